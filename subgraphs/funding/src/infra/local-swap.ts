import { REFERENCE_PRICES_PATH, config, internalHeaders, subgraphBaseUrl, type ReferencePrices } from '@tradegraph/shared';
import { convertAtPrice, type SwapOutcome, type SwapPort, type SwapRequest } from '../domain/swaps';
import { decimalToUnits, unitsToDecimal } from '../domain/deposits';

/** Tokens that are another asset under a wrapper: priced as that asset. */
const PRICED_AS: Record<string, string> = { WETH: 'ETH' };

/**
 * The local swap adapter (the embedded default): converts at markets' reference price
 * (`GET /internal/prices` on markets: markets owns prices) less FUNDING_SWAP_FEE_BPS, with no
 * transaction — the deposited tokens stay on the deposit address. It looks for `<ASSET>-USDC`,
 * then `USDC-<ASSET>` (inverted); neither listed is no route. A price that is missing or stale
 * fails the swap (an admin retries once prices flow).
 */
export class LocalSwap implements SwapPort {
  readonly name = 'local';
  private readonly url = `${subgraphBaseUrl('markets', config())}${REFERENCE_PRICES_PATH}`;

  constructor(private readonly feeBps: number) {}

  async swap(request: SwapRequest): Promise<SwapOutcome> {
    const base = PRICED_AS[request.asset] ?? request.asset;
    const pending = {
      provider: this.name,
      status: 'failed' as const,
      fromAsset: request.asset,
      fromAmount: request.amount,
      toAsset: request.toAsset,
      toAmount: null,
      price: null,
      fee: null,
      route: '',
      sourceTxHash: null,
      destinationTxHash: null,
    };
    for (const [market, inverse] of [
      [`${base}-${request.toAsset}`, false],
      [`${request.toAsset}-${base}`, true],
    ] as const) {
      const response = await fetch(`${this.url}?markets=${encodeURIComponent(market)}`, { headers: internalHeaders(), signal: AbortSignal.timeout(5000) });
      if (response.status === 404) continue;
      if (!response.ok) throw new Error(`markets answered ${response.status} for the price of ${market}`);
      const [quote] = ((await response.json()) as ReferencePrices).prices;
      const route = `local:${market}${inverse ? ' (inverted)' : ''}`;
      if (!quote || quote.stale) return { kind: 'failed', swap: { ...pending, route }, reason: `no fresh reference price for ${market}` };
      const units = decimalToUnits(request.amount, request.decimals);
      const { delivered, fee } = convertAtPrice(units, request.decimals, quote.price, inverse, this.feeBps, request.toDecimals);
      if (delivered <= 0n) return { kind: 'failed', swap: { ...pending, route, price: quote.price }, reason: 'the amount is worth nothing after the fee' };
      return {
        kind: 'done',
        swap: {
          ...pending,
          status: 'done',
          route,
          price: quote.price,
          toAmount: unitsToDecimal(delivered, request.toDecimals),
          fee: unitsToDecimal(fee, request.toDecimals),
        },
      };
    }
    return { kind: 'no_route', reason: `no market prices ${request.asset} in ${request.toAsset}` };
  }
}
