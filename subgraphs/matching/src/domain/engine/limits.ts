/**
 * Numeric limits. The engine does all money arithmetic on plain JS numbers (doubles) because
 * bigint is several times slower on the hot path. Doubles are exact for integers up to
 * Number.MAX_SAFE_INTEGER (2^53 - 1), so the engine keeps every intermediate value below that:
 *
 *  - An order's notional, price × quantity × quoteAtomsPerTickLot, is at most MAX_ORDER_NOTIONAL
 *    (2^52 - 1). AddMarket rejects markets whose maxPriceTicks × maxQuantityLots × quoteAtomsPerTickLot
 *    would exceed it, and orders beyond maxPriceTicks / maxQuantityLots are rejected.
 *  - Fees are at most 100% (10 000 bps), so notional + fee ≤ 2 × MAX_ORDER_NOTIONAL < 2^53.
 *  - maxQuantityLots × baseAtomsPerLot ≤ MAX_SAFE_INTEGER.
 *  - The total supply of each asset (the sum of AdjustBalance amounts) may not exceed
 *    MAX_SAFE_INTEGER. Every balance, every locked amount and the fee account are parts of that
 *    supply (conservation), so none of them, nor the sum of any of them, can exceed it either.
 *  - Basis-point products (fees, trailing offsets) go through mulDivFloor, which never forms
 *    the full product.
 */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
export const MAX_ORDER_NOTIONAL = 2 ** 52 - 1;
export const MAX_FEE_BPS = 10_000;
export const BPS = 10_000;

/**
 * floor(value × bps / 10 000) for 0 ≤ value ≤ MAX_SAFE and 0 ≤ bps ≤ 10 000, exactly.
 * Splitting value = q × 10 000 + r keeps every intermediate ≤ value or < 10^8.
 */
export function mulBpsFloor(value: number, bps: number): number {
  const q = Math.floor(value / BPS);
  const r = value - q * BPS;
  return q * bps + Math.floor((r * bps) / BPS);
}

/** Fee in quote atoms for a notional; always rounded down so that the fees of partial fills
 *  never add up to more than the fee on the whole (sum of floors ≤ floor of sum). */
export const feeFor = mulBpsFloor;

export function isSafeNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
