import type { DepositSwap } from '@tradegraph/shared/domain';

/**
 * The swap port (DESIGN §7): every deposit that is not USDC on the settlement chain becomes USDC
 * there through a provider. The local adapter (the embedded default) converts at markets'
 * reference price less a fee; a provider adapter moves real tokens. Either is idempotent on the
 * deposit id: asked again about the same deposit (after a crash), it answers the same swap.
 */
export interface SwapRequest {
  depositId: string;
  chain: string;
  asset: string;
  amount: string;
  decimals: number;
  toAsset: string;
  toDecimals: number;
  /** The deposit address holding the amount (lower case); a provider that moves tokens sends from it. */
  fromAddress: string;
  /**
   * A provider that takes a while (a transfer between chains) reports its steps here — the
   * quote, then the source transaction — before it answers; each is shown on the deposit.
   */
  progress?: (swap: DepositSwap) => Promise<void>;
}

export type SwapOutcome =
  | { kind: 'done'; swap: DepositSwap & { toAmount: string } }
  | { kind: 'no_route'; reason: string }
  | { kind: 'failed'; swap: DepositSwap; reason: string };

export interface SwapPort {
  readonly name: string;
  swap(request: SwapRequest): Promise<SwapOutcome>;
}

/** Scale of prices in conversions: 18 decimal places. */
const PRICE_DECIMALS = 18;

function priceUnits(price: string): bigint {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(price);
  if (!match) throw new Error(`not a price: ${price}`);
  return BigInt(match[1] + (match[2] ?? '').slice(0, PRICE_DECIMALS).padEnd(PRICE_DECIMALS, '0'));
}

/**
 * `units` of an asset with `fromDecimals`, converted at `price` (target per source unit, or source
 * per target unit when `inverse`), less `feeBps`, in units of the target with `toDecimals`:
 * rounded down at every step, so the exchange never delivers more than the price allows.
 * Returns the amount delivered and the fee taken, both in target units.
 */
export function convertAtPrice(
  units: bigint,
  fromDecimals: number,
  price: string,
  inverse: boolean,
  feeBps: number,
  toDecimals: number,
): { delivered: bigint; fee: bigint } {
  const scaledPrice = priceUnits(price);
  if (scaledPrice <= 0n) throw new Error('price must be positive');
  const priceScale = 10n ** BigInt(PRICE_DECIMALS);
  const gross = inverse
    ? (units * priceScale * 10n ** BigInt(toDecimals)) / (scaledPrice * 10n ** BigInt(fromDecimals))
    : (units * scaledPrice * 10n ** BigInt(toDecimals)) / (priceScale * 10n ** BigInt(fromDecimals));
  const fee = (gross * BigInt(feeBps) + 9_999n) / 10_000n;
  return { delivered: gross - fee, fee };
}
