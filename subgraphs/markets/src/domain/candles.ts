import { CANDLE_INTERVALS, fromUnits, invalidInput, toUnits, type CandleEvent, type CandleInterval } from '@tradegraph/shared/domain';

/**
 * OHLCV candles, pure arithmetic. Prices and quantities are decimal strings turned into bigint
 * units of 10^-18 (shared/decimal), so every sum and comparison is exact; quote volume
 * (price × quantity) has up to 36 fraction digits and is kept at that scale until it is written.
 */
export { CANDLE_INTERVALS, type CandleInterval };

const MINUTE = 60_000;
export const INTERVAL_MS: Record<CandleInterval, number> = {
  '1m': MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '1h': 60 * MINUTE,
  '4h': 240 * MINUTE,
  '1d': 1440 * MINUTE,
};

export function parseInterval(value: string): CandleInterval {
  if ((CANDLE_INTERVALS as readonly string[]).includes(value)) return value as CandleInterval;
  throw invalidInput(`interval must be one of ${CANDLE_INTERVALS.join(', ')}`, 'interval');
}

/** Start of the candle a moment falls in. Buckets are aligned to the Unix epoch (UTC), so a 4h candle opens at 00:00, 04:00, … UTC. */
export function bucketStart(at: Date | number, interval: CandleInterval): Date {
  const ms = typeof at === 'number' ? at : at.getTime();
  const size = INTERVAL_MS[interval];
  return new Date(Math.floor(ms / size) * size);
}

/** One executed trade (or, with quantity 0, one reference price tick). */
export interface PricePoint {
  price: string;
  quantity: string;
  at: Date;
}

/** What a batch of points adds to one candle. Units: price/volume 10^-18, quote volume 10^-36. */
export interface CandleDelta {
  interval: CandleInterval;
  openTime: Date;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  volume: bigint;
  quoteVolume: bigint;
  trades: number;
}

/**
 * Folds points, in the order they happened, into one delta per (interval, candle). The caller
 * merges a delta into the stored candle with `mergeCandle` (or the same rules in SQL): the
 * stored open stays, high/low widen, the delta's close wins, volumes add.
 */
export function aggregate(points: readonly PricePoint[], intervals: readonly CandleInterval[] = CANDLE_INTERVALS): CandleDelta[] {
  const deltas = new Map<string, CandleDelta>();
  for (const point of points) {
    const price = toUnits(point.price, 'price');
    const quantity = toUnits(point.quantity, 'quantity');
    const counts = quantity > 0n ? 1 : 0;
    for (const interval of intervals) {
      const openTime = bucketStart(point.at, interval);
      const key = `${interval}|${openTime.getTime()}`;
      const delta = deltas.get(key);
      if (!delta) {
        deltas.set(key, {
          interval,
          openTime,
          open: price,
          high: price,
          low: price,
          close: price,
          volume: quantity,
          quoteVolume: price * quantity,
          trades: counts,
        });
      } else {
        if (price > delta.high) delta.high = price;
        if (price < delta.low) delta.low = price;
        delta.close = price;
        delta.volume += quantity;
        delta.quoteVolume += price * quantity;
        delta.trades += counts;
      }
    }
  }
  return [...deltas.values()];
}

/** A candle as stored and served: decimal strings without trailing zeros. */
/** A candle: the contract's CandleEvent with a real open time. */
export type Candle = Omit<CandleEvent, 'openTime'> & { openTime: Date };

/** The stored candle after a delta (the same rules the SQL upsert applies). */
export function mergeCandle(stored: Candle | undefined, delta: CandleDelta, market: string): Candle {
  const fresh = deltaToCandle(delta, market);
  if (!stored) return fresh;
  const high = toUnits(stored.high) > delta.high ? stored.high : fresh.high;
  const low = toUnits(stored.low) < delta.low ? stored.low : fresh.low;
  return {
    ...stored,
    high,
    low,
    close: fresh.close,
    volume: fromUnits(toUnits(stored.volume) + delta.volume),
    quoteVolume: fromScaled(toScaled(stored.quoteVolume, 36) + delta.quoteVolume, 36),
    trades: stored.trades + delta.trades,
  };
}

export function deltaToCandle(delta: CandleDelta, market: string): Candle {
  return {
    market,
    interval: delta.interval,
    openTime: delta.openTime,
    open: fromUnits(delta.open),
    high: fromUnits(delta.high),
    low: fromUnits(delta.low),
    close: fromUnits(delta.close),
    volume: fromUnits(delta.volume),
    quoteVolume: fromScaled(delta.quoteVolume, 36),
    trades: delta.trades,
  };
}

/** A decimal string at `scale` fraction digits as a bigint (exact; refuses more digits). */
export function toScaled(value: string, scale: number): bigint {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) throw new Error(`not a decimal: ${value}`);
  const [, sign, whole, fraction = ''] = match;
  const trimmed = fraction.replace(/0+$/, '');
  if (trimmed.length > scale) throw new Error(`${value} has more than ${scale} fraction digits`);
  const units = BigInt(whole) * 10n ** BigInt(scale) + BigInt(trimmed.padEnd(scale, '0') || '0');
  return sign ? -units : units;
}

export function fromScaled(units: bigint, scale: number): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const base = 10n ** BigInt(scale);
  const fraction = (abs % base).toString().padStart(scale, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${abs / base}${fraction ? `.${fraction}` : ''}`;
}

/** Postgres `numeric` text (e.g. "65000.000000000000000000") as the API shows it: no trailing zeros. */
export function normalizeDecimal(value: string | number): string {
  const text = String(value);
  if (!text.includes('.')) return text;
  const trimmed = text.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}
