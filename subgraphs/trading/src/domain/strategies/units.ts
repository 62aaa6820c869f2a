import { invalidInput, toUnits } from '@tradegraph/shared/domain';
import type { StrategyMarket } from './types';

/**
 * Decimal parameters → the engine's integer units, exactly (shared/src/decimal.ts does the
 * parsing). A value off the market's grid is refused, naming the parameter, never rounded silently.
 */

function exactQuotient(value: bigint, unit: bigint, field: string, what: string): number {
  if (unit <= 0n) throw invalidInput(`${field}: the market's ${what} is not positive`, field);
  if (value % unit !== 0n) throw invalidInput(`${field} is not a multiple of the market's ${what}`, field);
  const result = value / unit;
  if (result > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidInput(`${field} is too large`, field);
  return Number(result);
}

function positiveUnits(value: string, field: string): bigint {
  const units = toUnits(value, field);
  if (units <= 0n) throw invalidInput(`${field} must be positive`, field);
  return units;
}

/** A price as integer ticks (must lie on the tick). */
export function priceTicks(market: StrategyMarket, price: string, field: string): number {
  return exactQuotient(positiveUnits(price, field), toUnits(market.tickSize), field, 'tick size');
}

/** A base quantity as integer lots (must be whole lots). */
export function quantityLots(market: StrategyMarket, quantity: string, field: string): number {
  return exactQuotient(positiveUnits(quantity, field), toUnits(market.lotSize), field, 'lot size');
}

/** A quote amount as integer atoms of the quote asset. */
export function quoteAtoms(market: StrategyMarket, amount: string, field: string): number {
  const atom = 10n ** BigInt(Math.max(0, 18 - market.quoteDecimals));
  return exactQuotient(positiveUnits(amount, field), atom, field, 'quote precision');
}

/** Quote atoms one tick is worth on one lot: notional = ticks × lots × this (the engine's rule). */
export function quoteAtomsPerTickLot(market: StrategyMarket): number {
  const tickLot = toUnits(market.tickSize) * toUnits(market.lotSize); // scale 10^-36
  const atom = 10n ** BigInt(36 - market.quoteDecimals);
  if (tickLot % atom !== 0n) throw invalidInput(`market ${market.id}: tick × lot is finer than one quote atom`, 'market');
  return Number(tickLot / atom);
}

/** Base atoms in one lot. */
export function baseAtomsPerLot(market: StrategyMarket): number {
  const atom = 10n ** BigInt(18 - market.baseDecimals);
  const lot = toUnits(market.lotSize);
  if (lot % atom !== 0n) throw invalidInput(`market ${market.id}: lot is finer than one base atom`, 'market');
  return Number(lot / atom);
}

/** How many whole lots `quote` atoms buy at `price` ticks (floor; fees not included). */
export function lotsFor(quote: number, price: number, perTickLot: number): number {
  return Math.floor(quote / (price * perTickLot));
}
