/**
 * A market's weekly trading session, in UTC, and the rules that read it. Pure (the instant is an
 * argument), so markets (Market.isOpen / nextOpen) and matching (MARKET_CLOSED before an order
 * is journaled) share one rule, and the tests need no clock.
 *
 * A session opens at `open` on each of `days` (0 = Sunday … 6 = Saturday) and runs until the next
 * `close`: the same day when `close` is after `open`, otherwise the next day (a session crossing
 * midnight UTC; `close` equal to `open` is 24 hours). Sessions that touch or overlap join into
 * one stretch of trading: forex's Sunday 22:00 → Friday 22:00 is five 24-hour sessions.
 */
import type { TradingHours } from './contracts/markets-listing';

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const WEEK = 7 * DAY;
/** 1970-01-01 was a Thursday: day 0 of the epoch is weekday 4. */
const EPOCH_WEEKDAY = 4;

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The Sunday 00:00 UTC that starts the week of `instant` (ms). */
function weekStart(instant: number): number {
  const day = Math.floor(instant / DAY);
  const weekday = (((day + EPOCH_WEEKDAY) % 7) + 7) % 7;
  return (day - weekday) * DAY;
}

/** The stretches of trading (start inclusive, end exclusive) from the week before `instant` to the week after, joined and in order. */
function stretches(hours: TradingHours, instant: number): [number, number][] {
  const open = minutes(hours.open) * MINUTE;
  const close = minutes(hours.close) * MINUTE;
  const length = close > open ? close - open : close - open + DAY;
  const sessions: [number, number][] = [];
  const week = weekStart(instant);
  for (const start of [week - WEEK, week, week + WEEK]) {
    for (const day of hours.days) sessions.push([start + day * DAY + open, start + day * DAY + open + length]);
  }
  sessions.sort((a, b) => a[0] - b[0]);
  const joined: [number, number][] = [];
  for (const session of sessions) {
    const last = joined[joined.length - 1];
    if (last && session[0] <= last[1]) last[1] = Math.max(last[1], session[1]);
    else joined.push([session[0], session[1]]);
  }
  return joined;
}

/** Whether a market with these hours trades at `instant` (ms); null hours trade around the clock. */
export function isOpenAt(hours: TradingHours | null | undefined, instant: number): boolean {
  if (!hours) return true;
  return stretches(hours, instant).some(([start, end]) => start <= instant && instant < end);
}

/**
 * When trading next starts after `instant` (ms): while closed, the coming opening; while open,
 * the opening after the current stretch ends. Null for a market that trades around the clock
 * (no hours, or sessions that join into one endless stretch).
 */
export function nextOpenAfter(hours: TradingHours | null | undefined, instant: number): number | null {
  if (!hours || hours.days.length === 0) return null;
  const joined = stretches(hours, instant);
  // Every day opening at the time the previous one closes: one stretch that never ends.
  if (joined.length === 1 && joined[0]![0] <= instant - WEEK && joined[0]![1] >= instant + WEEK) return null;
  for (const [start] of joined) if (start > instant) return start;
  return null;
}

/** Why a TradingHours value is unusable (for the catalog's validation), or null when it is fine. */
export function tradingHoursProblem(hours: TradingHours): string | null {
  if (!Array.isArray(hours.days) || hours.days.length === 0 || hours.days.some((d) => !Number.isInteger(d) || d < 0 || d > 6)) {
    return 'tradingHours.days must be distinct weekdays 0–6 (0 = Sunday)';
  }
  if (new Set(hours.days).size !== hours.days.length) return 'tradingHours.days must be distinct weekdays 0–6 (0 = Sunday)';
  const time = /^([01]\d|2[0-3]):[0-5]\d$/;
  if (!time.test(hours.open) || !time.test(hours.close)) return 'tradingHours open/close must be HH:MM UTC';
  return null;
}
