import { rateLimited, refusalCodeOf } from './errors';

/**
 * Brute-force protection for everything that checks a secret: passwords (`login`), second
 * factors (`two-factor`) and wallet signatures (`siwe`). Each attempt takes a point from three
 * buckets: the client IP's, the account's from that IP, and the account's from everywhere. A
 * success gives the IP's point back and empties both of the account's, so only failures add up.
 * Taking the points before the check (not after a failure) means parallel guesses cannot all slip
 * past one last free point. The counters live in infra/attempt-counters.ts.
 *
 * Why two buckets per account: with one, anyone could lock anyone out for the whole window by
 * failing on purpose (the right password was refused too). The tight limit is per account AND
 * address, so a guesser locks only itself out; the per-account limit from all addresses is ten
 * times higher by default and stops a guesser spread over many addresses. Only such a spread
 * attack can still lock an owner out, which is the usual trade-off.
 */
export type AttemptKind = 'login' | 'two-factor' | 'siwe';
export const ATTEMPT_KINDS: readonly AttemptKind[] = ['login', 'two-factor', 'siwe'];

export interface AttemptLimits {
  /** Failures per account from one address. */
  perAccountIp: number;
  /** Failures per account from every address together (the ceiling). */
  perAccount: number;
  perIp: number;
  windowSeconds: number;
}

/** Sign-ups per client address and window: every sign-up counts, made or refused. */
export interface SignUpLimits {
  perIp: number;
  windowSeconds: number;
}



/**
 * Whether a failure of the attempt counts against the caller: a wrong or refused secret does;
 * an outage, a conflict or a missing thing does not.
 */
const GUESS_CODES: readonly string[] = ['UNAUTHENTICATED', 'BAD_USER_INPUT', 'FORBIDDEN'];
export function isGuess(error: unknown): boolean {
  const code = refusalCodeOf(error);
  return code !== undefined && GUESS_CODES.includes(code);
}

const retryAfter = (msBeforeNext: number) => Math.max(1, Math.ceil(msBeforeNext / 1000));

export function tooManyAttempts(kind: AttemptKind, msBeforeNext: number) {
  const retryAfterSeconds = retryAfter(msBeforeNext);
  return rateLimited(`Too many ${kind} attempts; try again in ${retryAfterSeconds} s`, retryAfterSeconds);
}

export function tooManySignUps(msBeforeNext: number) {
  const retryAfterSeconds = retryAfter(msBeforeNext);
  return rateLimited(`Too many sign-ups from this address; try again in ${retryAfterSeconds} s`, retryAfterSeconds);
}
