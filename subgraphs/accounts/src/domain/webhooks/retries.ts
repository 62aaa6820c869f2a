/**
 * What happens after a webhook attempt: the rules of retries and giving up (README, "Webhooks").
 * - 2xx: delivered.
 * - timeouts, connection errors, 429 and 5xx: retried later, with exponential backoff and jitter,
 *   never sooner than the receiver's `Retry-After`;
 * - any other status (other 4xx, and 3xx: redirects are not followed, a redirect could point
 *   anywhere, including inside our network): failed, not retried;
 * - still failing `giveUpAfterMs` after the delivery became due: abandoned.
 */

export interface RetrySchedule {
  /** The first retry's delay; it doubles with each attempt. */
  baseMs: number;
  /** The longest delay between two attempts. */
  maxMs: number;
  /** How long after it became due a delivery is still tried. */
  giveUpAfterMs: number;
}

/** An attempt's outcome as the sender saw it: a status code, or no response at all. */
export type AttemptResult = { statusCode: number; retryAfter?: string | null } | { error: 'timeout' | 'connection' | 'refused target' | 'other'; message: string };

export type AttemptVerdict = 'succeeded' | 'retry' | 'failed';

export function verdictOf(result: AttemptResult): AttemptVerdict {
  if ('error' in result) return result.error === 'refused target' ? 'failed' : 'retry';
  const status = result.statusCode;
  if (status >= 200 && status < 300) return 'succeeded';
  if (status === 429 || status >= 500) return 'retry';
  return 'failed';
}

/** Longest `Retry-After` honoured: beyond it, the usual schedule (and giving up) applies. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * `Retry-After` in milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable; a date in the past is 0.
 */
export function retryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  // An HTTP date names its weekday and GMT; Date.parse reads the three forms the RFC allows.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - now, 0), MAX_RETRY_AFTER_MS);
}

/**
 * The delay before attempt `attempt + 1` after `attempt` failed: base × 2^(attempt−1), capped
 * at maxMs, then "equal jitter" (a random point in its upper half), so retries of many
 * deliveries that failed together do not return together. `random` is in [0, 1).
 */
export function backoffMs(schedule: Pick<RetrySchedule, 'baseMs' | 'maxMs'>, attempt: number, random: number): number {
  const exponential = Math.min(schedule.maxMs, schedule.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return Math.round(exponential / 2 + (exponential / 2) * random);
}

export type NextStep =
  | { status: 'succeeded' }
  | { status: 'failed' }
  | { status: 'abandoned' }
  | { status: 'pending'; nextAttemptAt: Date };

/**
 * After attempt number `attempt` (1 for the first) with `result`, at `now`, of a delivery that
 * must be given up at `giveUpAt`: what the delivery becomes.
 */
export function nextStep(schedule: RetrySchedule, attempt: number, result: AttemptResult, now: number, giveUpAt: number, random: number): NextStep {
  const verdict = verdictOf(result);
  if (verdict !== 'retry') return { status: verdict };
  const waitFor = Math.max(
    backoffMs(schedule, attempt, random),
    'statusCode' in result ? (retryAfterMs(result.retryAfter, now) ?? 0) : 0,
  );
  const at = now + waitFor;
  if (at > giveUpAt) return { status: 'abandoned' };
  return { status: 'pending', nextAttemptAt: new Date(at) };
}
