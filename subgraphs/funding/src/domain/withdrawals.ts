import { DomainError, WITHDRAWAL_STATUSES, type ChainAsset, type ChainSpec, type WithdrawalStatus } from '@tradegraph/shared/domain';

/**
 * Withdrawals' rules (docs/architecture.md, "Withdrawals"): what a request may ask for, what it
 * costs, and the statuses it goes through. No I/O: settings and chain facts arrive as arguments.
 *
 *   (held ─▶) requested ─▶ signed ─▶ broadcast ─▶ completed
 *       │           │           │          │
 *       └───────────┴───────────┴──────────┴──▶ failed (the debit is given back)
 *
 * `held` waits for an admin: approved it is `requested`, rejected `failed`.
 */
export { WITHDRAWAL_STATUSES };
export type { WithdrawalStatus };

/** The engine keeps 8 decimal places: nothing finer can be debited. */
export const ENGINE_DECIMALS = 8;

const MOVES: Record<WithdrawalStatus, readonly WithdrawalStatus[]> = {
  held: ['requested', 'failed'],
  requested: ['signed', 'failed'],
  signed: ['broadcast', 'failed'],
  broadcast: ['completed', 'failed'],
  completed: [],
  failed: [],
};

export function isFinalWithdrawal(status: WithdrawalStatus): boolean {
  return MOVES[status].length === 0;
}

export function moveWithdrawal(from: WithdrawalStatus, to: WithdrawalStatus): WithdrawalStatus {
  if (!MOVES[from].includes(to)) throw new Error(`a withdrawal does not move from ${from} to ${to}`);
  return to;
}

/** The matching idempotency keys of a withdrawal: its debit, and the debit given back when it fails. */
export const withdrawalDebitKey = (id: string) => `withdrawal:${id}`;
export const withdrawalReleaseKey = (id: string) => `withdrawal:${id}:release`;

const refuse = (code: ConstructorParameters<typeof DomainError>[0], message: string, field: string) => new DomainError(code, message, { field });

/** The chain named, among those funding serves (WITHDRAWAL_UNKNOWN_CHAIN otherwise). */
export function withdrawalChain(chains: ReadonlyMap<string, ChainSpec>, name: string): ChainSpec {
  const spec = chains.get(name);
  if (!spec) throw refuse('WITHDRAWAL_UNKNOWN_CHAIN', `No chain ${name.slice(0, 40)}; chains: ${[...chains.keys()].join(', ') || 'none'}`, 'chain');
  return spec;
}

/** The asset on the chain: the coin (token null) or one of its tokens; the exchange must trade it too. */
export function withdrawalAsset(spec: ChainSpec, symbol: string, traded: (symbol: string) => boolean): { asset: ChainAsset; token: string | null } {
  const token = spec.tokens.find((t) => t.symbol === symbol);
  const asset = symbol === spec.native.symbol ? spec.native : token;
  if (!asset || !traded(symbol)) throw refuse('WITHDRAWAL_UNKNOWN_ASSET', `${symbol.slice(0, 20)} cannot be withdrawn on ${spec.name}`, 'asset');
  return { asset, token: token?.address ?? null };
}

/** Units of 10^-18 from a decimal string, refusing what is not a positive amount with at most `decimals` places. */
export function withdrawalAmountUnits(amount: string, decimals: number): bigint {
  const places = Math.min(decimals, ENGINE_DECIMALS);
  const match = /^(\d{1,20})(?:\.(\d{1,30}))?$/.exec(amount.trim());
  if (!match) throw refuse('WITHDRAWAL_INVALID_AMOUNT', 'amount must be a positive decimal such as 1.5', 'amount');
  const fraction = match[2] ?? '';
  if (fraction.replace(/0+$/, '').length > places) throw refuse('WITHDRAWAL_INVALID_AMOUNT', `amount has more than ${places} decimal places`, 'amount');
  const units = BigInt(match[1] + fraction.padEnd(30, '0').slice(0, 18));
  if (units <= 0n) throw refuse('WITHDRAWAL_INVALID_AMOUNT', 'amount must be more than 0', 'amount');
  return units;
}

/**
 * The recipient as an EIP-55 checksummed address. All lower (or all upper) case carries no
 * checksum and is taken; mixed case must match its checksum. `checksummed` is ethers' getAddress
 * (passed in: the domain does no crypto of its own).
 */
export function withdrawalAddress(raw: string, checksummed: (lower: string) => string): string {
  const text = raw.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) throw refuse('WITHDRAWAL_INVALID_ADDRESS', 'toAddress must be 0x and 40 hex digits', 'toAddress');
  const hex = text.slice(2);
  const address = checksummed(`0x${hex.toLowerCase()}`);
  const mixed = hex !== hex.toLowerCase() && hex !== hex.toUpperCase();
  if (mixed && address !== text) throw refuse('WITHDRAWAL_INVALID_ADDRESS', 'toAddress has a wrong checksum (EIP-55): check it letter by letter', 'toAddress');
  if (/^0x0{40}$/.test(address)) throw refuse('WITHDRAWAL_INVALID_ADDRESS', 'toAddress is the zero address', 'toAddress');
  return address;
}

/** `ETH:0.0001,USDC:1` → amount per asset (units of 10^-18): fees, limits, thresholds. */
export function parseWithdrawalFees(text: string): Map<string, bigint> {
  const fees = new Map<string, bigint>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [symbol, amount] = part.split(':');
    if (!symbol || !amount || !/^\d{1,20}(\.\d{1,8})?$/.test(amount)) throw new Error(`FUNDING_WITHDRAWAL_FEES, _DAILY_LIMITS, _HOLD_ABOVE: ${part} is not <ASSET>:<amount>`);
    fees.set(symbol, BigInt(amount.split('.')[0] + (amount.split('.')[1] ?? '').padEnd(18, '0')));
  }
  return fees;
}

/** Units of 10^-18 rounded up to the engine's 8 places. */
export function ceilToEngine(units: bigint): bigint {
  const step = 10n ** BigInt(18 - ENGINE_DECIMALS);
  return ((units + step - 1n) / step) * step;
}

/** Native-coin wei as units of 10^-18 of the coin (the same for an 18-decimal coin; scaled otherwise). */
export function weiToUnits(wei: bigint, decimals: number): bigint {
  return decimals <= 18 ? wei * 10n ** BigInt(18 - decimals) : wei / 10n ** BigInt(decimals - 18);
}

/** Units of 10^-18 as the chain's smallest units of an asset with `decimals`. */
export function unitsToChain(units: bigint, decimals: number): bigint {
  return decimals <= 18 ? units / 10n ** BigInt(18 - decimals) : units * 10n ** BigInt(decimals - 18);
}

export interface FeeEstimate {
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/**
 * The network fee shown and charged: the gas estimate × the fee per gas from the chain's recent
 * blocks, plus `marginBps`, rounded up to the engine's places, in the coin. A token's network fee
 * is shown but not charged (its exchange fee covers gas); a coin withdrawal pays it.
 */
export function networkFeeOf(estimate: FeeEstimate, marginBps: number, coinDecimals: number): bigint {
  const wei = (estimate.gasLimit * estimate.maxFeePerGas * BigInt(10_000 + marginBps)) / 10_000n;
  return ceilToEngine(weiToUnits(wei, coinDecimals));
}

/** The fee per gas to offer from `eth_feeHistory`: twice the next block's base fee plus the median tip. */
export function feePerGas(nextBaseFee: bigint, medianTip: bigint): { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } {
  const tip = medianTip > 0n ? medianTip : 1_000_000_000n;
  return { maxFeePerGas: nextBaseFee * 2n + tip, maxPriorityFeePerGas: tip };
}

/** A replacement must outbid the transaction it replaces: +25 % on both fees (nodes require at least +10 %). */
export function bumpedFees(previous: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }, current: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }) {
  const bump = (value: bigint) => (value * 125n) / 100n + 1n;
  const priority = [bump(previous.maxPriorityFeePerGas), current.maxPriorityFeePerGas].reduce((a, b) => (a > b ? a : b));
  const max = [bump(previous.maxFeePerGas), current.maxFeePerGas, priority].reduce((a, b) => (a > b ? a : b));
  return { maxFeePerGas: max, maxPriorityFeePerGas: priority };
}

/** Units of 10^-18 as a decimal string without trailing zeros. */
export function unitsText(units: bigint): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(19, '0');
  const fraction = digits.slice(-18).replace(/0+$/, '');
  return `${negative ? '-' : ''}${digits.slice(0, -18)}${fraction ? `.${fraction}` : ''}`;
}

/**
 * Why a withdrawal must wait for an admin, or null: above its asset's hold threshold, or beyond
 * the user's velocity (withdrawals in the last hour, this one included).
 */
export function holdReasonOf(asset: string, units: bigint, holdAbove: ReadonlyMap<string, bigint>, lastHour: number, velocityPerHour: number): string | null {
  const threshold = holdAbove.get(asset);
  if (threshold !== undefined && units > threshold) return `above ${unitsText(threshold)} ${asset}`;
  if (lastHour + 1 > velocityPerHour) return `more than ${velocityPerHour} withdrawals in an hour`;
  return null;
}

/** Refuses a withdrawal that would take the user's last 24 hours of `asset` past its daily limit. */
export function checkDailyLimit(asset: string, units: bigint, last24h: bigint, limits: ReadonlyMap<string, bigint>): void {
  const limit = limits.get(asset);
  if (limit === undefined || last24h + units <= limit) return;
  throw new DomainError('WITHDRAWAL_LIMIT_EXCEEDED', `At most ${unitsText(limit)} ${asset} may be withdrawn in 24 hours; ${unitsText(limit - last24h > 0n ? limit - last24h : 0n)} left`, {
    limit: unitsText(limit),
    remaining: unitsText(limit - last24h > 0n ? limit - last24h : 0n),
  });
}

/** The address book's word on a recipient: refused while its entry cools off, or when allow-list-only is on and it has none. */
export function checkAddressBook(entry: { usableFrom: Date } | null, allowListOnly: boolean, now: Date): void {
  if (entry && entry.usableFrom.getTime() > now.getTime()) {
    throw new DomainError('WITHDRAWAL_ADDRESS_COOLING_OFF', `This address is usable from ${entry.usableFrom.toISOString()}`, { field: 'toAddress', usableFrom: entry.usableFrom.toISOString() });
  }
  if (!entry && allowListOnly) {
    throw new DomainError('WITHDRAWAL_ADDRESS_NOT_ALLOWED', 'Allow-list-only is on: add the address to your address book first (addWithdrawalAddress)', { field: 'toAddress' });
  }
}

/**
 * Per-KYC-level daily limits: `<level>/<ASSET>:<amount>` list (FUNDING_WITHDRAWAL_KYC_DAILY_LIMITS),
 * e.g. `0/USDC:10000,1/USDC:100000`. A user's level limit applies beside the per-asset one (the
 * lower wins); a level with no entry for an asset takes the highest lower level's that has one, so
 * a level never allows less than the one below it is configured to. Returns level → asset → units.
 */
export function parseKycDailyLimits(text: string): Map<number, Map<string, bigint>> {
  const limits = new Map<number, Map<string, bigint>>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^(\d{1,2})\/([A-Za-z0-9]{1,20}):(\d{1,20}(?:\.\d{1,8})?)$/.exec(part);
    if (!match) throw new Error(`FUNDING_WITHDRAWAL_KYC_DAILY_LIMITS: ${part} is not <level>/<ASSET>:<amount>`);
    const [, level, asset, amount] = match;
    let byAsset = limits.get(Number(level));
    if (!byAsset) limits.set(Number(level), (byAsset = new Map()));
    byAsset.set(asset, parseWithdrawalFees(`${asset}:${amount}`).get(asset)!);
  }
  return limits;
}

/** The KYC level's daily limit of `asset` (see parseKycDailyLimits), or undefined when none applies. */
export function kycDailyLimit(limits: ReadonlyMap<number, ReadonlyMap<string, bigint>>, kycLevel: number, asset: string): bigint | undefined {
  let best: { level: number; limit: bigint } | undefined;
  for (const [level, byAsset] of limits) {
    const limit = byAsset.get(asset);
    if (limit !== undefined && level <= kycLevel && (!best || level > best.level)) best = { level, limit };
  }
  return best?.limit;
}

/** Refuses a withdrawal past the user's KYC level's daily limit (WITHDRAWAL_LIMIT_EXCEEDED with `kycLevel`). */
export function checkKycDailyLimit(asset: string, units: bigint, last24h: bigint, kycLevel: number, limits: ReadonlyMap<number, ReadonlyMap<string, bigint>>): void {
  const limit = kycDailyLimit(limits, kycLevel, asset);
  if (limit === undefined || last24h + units <= limit) return;
  const remaining = limit - last24h > 0n ? limit - last24h : 0n;
  throw new DomainError('WITHDRAWAL_LIMIT_EXCEEDED', `At KYC level ${kycLevel} at most ${unitsText(limit)} ${asset} may be withdrawn in 24 hours; ${unitsText(remaining)} left (a higher KYC level allows more)`, {
    limit: unitsText(limit),
    remaining: unitsText(remaining),
    kycLevel,
  });
}

/**
 * Held as the first withdrawal since the password or 2FA last changed: `changedAt` is the later of
 * the two (null: never changed), `sinceChange` the user's withdrawals made after it.
 */
export function securityHoldReason(changedAt: Date | null, sinceChange: number): string | null {
  return changedAt !== null && sinceChange === 0 ? `first withdrawal after a password or two-factor change (${changedAt.toISOString()})` : null;
}
