/**
 * Decimal strings at the edge, integers inside. Conversions are exact (bigint, off the hot path)
 * and refuse values that are not a whole number of ticks / lots / atoms instead of rounding.
 */
import type { MarketSpec } from './types';

/** A decimal as an integer mantissa and a scale: value = mantissa / 10^scale. */
export interface Decimal {
  mantissa: bigint;
  scale: number;
}

const DECIMAL_PATTERN = /^(-)?(\d+)(?:\.(\d+))?$/;

export function parseDecimal(text: string): Decimal | undefined {
  const match = DECIMAL_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, minus, whole, fraction = ''] = match;
  const mantissa = BigInt(whole + fraction);
  return { mantissa: minus ? -mantissa : mantissa, scale: fraction.length };
}

/** value / unit when it is a whole number, else undefined. Both are decimals. */
function divideExact(value: Decimal, unit: Decimal): bigint | undefined {
  if (unit.mantissa <= 0n) return undefined;
  const scale = Math.max(value.scale, unit.scale);
  const v = value.mantissa * 10n ** BigInt(scale - value.scale);
  const u = unit.mantissa * 10n ** BigInt(scale - unit.scale);
  return v % u === 0n ? v / u : undefined;
}

export function formatDecimal(mantissa: bigint, scale: number): string {
  const negative = mantissa < 0n;
  const digits = (negative ? -mantissa : mantissa).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

function toSafeNumber(value: bigint): number | undefined {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

export type Conversion = { ok: true; value: number } | { ok: false; code: 'PRICE_NOT_ON_TICK' | 'QTY_NOT_ON_LOT' | 'INVALID_AMOUNT' };

function convert(text: string, unit: string, offCode: 'PRICE_NOT_ON_TICK' | 'QTY_NOT_ON_LOT' | 'INVALID_AMOUNT'): Conversion {
  const value = parseDecimal(text);
  const unitDecimal = parseDecimal(unit);
  if (!value || !unitDecimal) return { ok: false, code: offCode };
  const units = divideExact(value, unitDecimal);
  const safe = units === undefined ? undefined : toSafeNumber(units);
  return safe === undefined ? { ok: false, code: offCode } : { ok: true, value: safe };
}

/** Units (tick and lot sizes) parsed once: every price and quantity shown multiplies by one. */
const parsedUnits = new Map<string, Decimal>();

function multiply(units: number, unit: string): string {
  let u = parsedUnits.get(unit);
  if (!u) {
    u = parseDecimal(unit);
    if (!u) throw new Error(`invalid unit ${unit}`);
    // A few markets' sizes; the bound only guards against an unexpected stream of distinct units.
    if (parsedUnits.size < 10_000) parsedUnits.set(unit, u);
  }
  return formatDecimal(BigInt(units) * u.mantissa, u.scale);
}

/** "65000.25" → ticks, given the market's tick size; off-tick prices are refused. */
export function priceToTicks(market: Pick<MarketSpec, 'tickSize'>, price: string): Conversion {
  const result = convert(price, market.tickSize, 'PRICE_NOT_ON_TICK');
  return result.ok && result.value <= 0 ? { ok: false, code: 'PRICE_NOT_ON_TICK' } : result;
}

export function ticksToPrice(market: Pick<MarketSpec, 'tickSize'>, ticks: number): string {
  return multiply(ticks, market.tickSize);
}

/** "0.015" → lots, given the market's lot size; quantities off the lot are refused. */
export function quantityToLots(market: Pick<MarketSpec, 'lotSize'>, quantity: string): Conversion {
  const result = convert(quantity, market.lotSize, 'QTY_NOT_ON_LOT');
  return result.ok && result.value <= 0 ? { ok: false, code: 'QTY_NOT_ON_LOT' } : result;
}

export function lotsToQuantity(market: Pick<MarketSpec, 'lotSize'>, lots: number): string {
  return multiply(lots, market.lotSize);
}

/** "12.5" with 6 decimals → 12500000 atoms. Signed amounts are allowed (for AdjustBalance). */
export function amountToAtoms(decimals: number, amount: string): Conversion {
  return convert(amount, formatDecimal(1n, decimals), 'INVALID_AMOUNT');
}

export function atomsToAmount(decimals: number, atoms: number): string {
  return formatDecimal(BigInt(atoms), decimals);
}

/** The integer factors a market's arithmetic needs, derived exactly from its decimal spec. */
export interface MarketScale {
  /** Base atoms in one lot. */
  baseAtomsPerLot: number;
  /** Quote atoms that one tick of price is worth on one lot: notional = ticks × lots × this. */
  quoteAtomsPerTickLot: number;
  /** Smallest order value in quote atoms. */
  minNotionalAtoms: number;
}

export function marketScale(spec: MarketSpec): MarketScale | undefined {
  const tick = parseDecimal(spec.tickSize);
  const lot = parseDecimal(spec.lotSize);
  const minNotional = parseDecimal(spec.minNotional ?? '0');
  if (!tick || !lot || !minNotional || tick.mantissa <= 0n || lot.mantissa <= 0n || minNotional.mantissa < 0n) return undefined;
  const baseAtom: Decimal = { mantissa: 1n, scale: spec.baseDecimals };
  const quoteAtom: Decimal = { mantissa: 1n, scale: spec.quoteDecimals };
  const baseAtomsPerLot = divideExact(lot, baseAtom);
  const tickLot: Decimal = { mantissa: tick.mantissa * lot.mantissa, scale: tick.scale + lot.scale };
  const quoteAtomsPerTickLot = divideExact(tickLot, quoteAtom);
  const minNotionalAtoms = divideExact(minNotional, quoteAtom);
  if (baseAtomsPerLot === undefined || quoteAtomsPerTickLot === undefined || minNotionalAtoms === undefined) return undefined;
  const b = toSafeNumber(baseAtomsPerLot);
  const q = toSafeNumber(quoteAtomsPerTickLot);
  const m = toSafeNumber(minNotionalAtoms);
  if (b === undefined || q === undefined || m === undefined || b <= 0 || q <= 0) return undefined;
  return { baseAtomsPerLot: b, quoteAtomsPerTickLot: q, minNotionalAtoms: m };
}
