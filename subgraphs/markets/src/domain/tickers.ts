import type { TickerEvent } from '@tradegraph/shared/contracts';
import { fromUnits, toUnits } from '@tradegraph/shared/domain';
import { normalizeDecimal } from './candles';

/**
 * The 24h ticker of a market: a rolling window of the 1440 one-minute candles that end with the
 * current minute. `last` is the latest price ever seen, so a market that did not trade for a day
 * shows its last price with zero volume (open = high = low = last) rather than nothing.
 */
export const TICKER_WINDOW_MINUTES = 1440;
/** Fraction digits of `changePercent`, rounded half away from zero. */
export const CHANGE_PERCENT_DIGITS = 4;

export interface TickerWindow {
  /** Aggregates over the window's candles; null when the window holds none. */
  open: string | null;
  high: string | null;
  low: string | null;
  close: string | null;
  volume: string | null;
  quoteVolume: string | null;
  trades: number;
}

/** The 24-hour ticker of a market: the contract's TickerEvent with real dates. */
export type Ticker = Omit<TickerEvent, 'windowStart' | 'at'> & { windowStart: Date; at: Date };

/** First minute of the window that ends with the minute `now` falls in. */
export function tickerWindowStart(now: Date): Date {
  const minute = Math.floor(now.getTime() / 60_000) * 60_000;
  return new Date(minute - (TICKER_WINDOW_MINUTES - 1) * 60_000);
}

/** Rounds numerator/denominator to `digits` fraction digits, half away from zero, exactly. */
export function divideRounded(numerator: bigint, denominator: bigint, digits: number): string {
  if (denominator === 0n) throw new Error('division by zero');
  const negative = numerator < 0n !== denominator < 0n && numerator !== 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const scale = 10n ** BigInt(digits);
  const scaled = n * scale;
  let quotient = scaled / d;
  if ((scaled % d) * 2n >= d) quotient += 1n;
  const whole = quotient / scale;
  const fraction = (quotient % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  const text = `${whole}${fraction ? `.${fraction}` : ''}`;
  return negative && quotient !== 0n ? `-${text}` : text;
}

/** change = last − open; changePercent = change / open × 100. */
export function computeTicker(
  market: string,
  window: TickerWindow,
  lastPrice: string | null,
  now: Date,
  source: 'trades' | 'feed',
): Ticker | null {
  const last = window.close ?? lastPrice;
  if (last === null) return null;
  const open = window.open ?? last;
  const openUnits = toUnits(normalizeDecimal(open));
  const change = toUnits(normalizeDecimal(last)) - openUnits;
  return {
    market,
    open: normalizeDecimal(open),
    high: normalizeDecimal(window.high ?? last),
    low: normalizeDecimal(window.low ?? last),
    last: normalizeDecimal(last),
    volume: normalizeDecimal(window.volume ?? '0'),
    quoteVolume: normalizeDecimal(window.quoteVolume ?? '0'),
    change: fromUnits(change),
    changePercent: openUnits === 0n ? '0' : divideRounded(change * 100n, openUnits, CHANGE_PERCENT_DIGITS),
    trades: window.trades,
    windowStart: tickerWindowStart(now),
    at: now,
    source,
  };
}
