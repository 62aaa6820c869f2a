import Redis from 'ioredis';
import { GraphQLError } from 'graphql';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ErrorCode, appError, redisName, redisUrl } from '@tradegraph/shared';

/**
 * Brute-force protection for everything that checks a secret: passwords (`login`), second
 * factors (`two-factor`) and wallet signatures (`siwe`). Each attempt takes a point from three
 * buckets: the client IP's, the account's from that IP, and the account's from everywhere. A
 * success gives the IP's point back and empties both of the account's, so only failures add up.
 * Taking the points before the check (not after a failure) means parallel guesses cannot all slip
 * past one last free point.
 *
 * Why two buckets per account: with one, anyone could lock anyone out for the whole window by
 * failing on purpose (the right password was refused too). The tight limit is per account AND
 * address, so a guesser locks only itself out; the per-account limit from all addresses is ten
 * times higher by default and stops a guesser spread over many addresses. Only such a spread
 * attack can still lock an owner out, which is the usual trade-off.
 */
export type AttemptKind = 'login' | 'two-factor' | 'siwe';

interface Limits {
  /** Failures per account from one address. */
  perAccountIp: number;
  /** Failures per account from every address together (the ceiling). */
  perAccount: number;
  perIp: number;
  windowSeconds: number;
}

/**
 * Defaults: an account gets 10 failed guesses per 15 minutes from one address and 100 from all
 * together; an IP (which may be an office behind one NAT, or a test suite) gets 300. Second
 * factors keep 10 per account whatever the address: only someone who knows the password gets
 * that far, and a six-digit code must not be guessed from many addresses at once.
 * Env: RATE_LIMIT_<KIND>_PER_ACCOUNT_IP, RATE_LIMIT_<KIND>_PER_ACCOUNT, RATE_LIMIT_<KIND>_PER_IP,
 * RATE_LIMIT_<KIND>_WINDOW_SECONDS with KIND = LOGIN, TWO_FACTOR, SIWE.
 */
const DEFAULTS: Record<AttemptKind, Limits> = {
  login: { perAccountIp: 10, perAccount: 100, perIp: 300, windowSeconds: 15 * 60 },
  'two-factor': { perAccountIp: 10, perAccount: 10, perIp: 300, windowSeconds: 15 * 60 },
  siwe: { perAccountIp: 10, perAccount: 100, perIp: 300, windowSeconds: 15 * 60 },
};

function limitsOf(kind: AttemptKind): Limits {
  const prefix = `RATE_LIMIT_${kind.replace('-', '_').toUpperCase()}_`;
  const positive = (name: string, fallback: number) => {
    const value = Number(process.env[prefix + name]);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  const d = DEFAULTS[kind];
  return {
    perAccountIp: positive('PER_ACCOUNT_IP', d.perAccountIp),
    perAccount: positive('PER_ACCOUNT', d.perAccount),
    perIp: positive('PER_IP', d.perIp),
    windowSeconds: positive('WINDOW_SECONDS', d.windowSeconds),
  };
}

let redis: Redis | undefined;
const limiters = new Map<string, { account: RateLimiterAbstract; accountIp: RateLimiterAbstract; ip: RateLimiterAbstract }>();

function makeLimiter(name: string, points: number, durationSeconds: number): RateLimiterAbstract {
  const options = { points, duration: durationSeconds, keyPrefix: redisName(name) };
  const url = redisUrl();
  if (!url) return new RateLimiterMemory(options); // embedded mode: one process, memory is shared state
  redis ??= new Redis(url, { maxRetriesPerRequest: 2 });
  return new RateLimiterRedis({ ...options, storeClient: redis });
}

function limitersOf(kind: AttemptKind) {
  let set = limiters.get(kind);
  if (set) return set;
  const limits = limitsOf(kind);
  const make = (scope: string, points: number) => makeLimiter(`accounts.attempts.${kind}.${scope}`, points, limits.windowSeconds);
  set = { account: make('account', limits.perAccount), accountIp: make('account-ip', limits.perAccountIp), ip: make('ip', limits.perIp) };
  limiters.set(kind, set);
  return set;
}

function rateLimited(kind: AttemptKind, rejection: RateLimiterRes): GraphQLError {
  const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
  return appError(ErrorCode.RATE_LIMITED, `Too many ${kind} attempts; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
}

/**
 * Whether a failure of the attempt counts against the caller: a wrong or refused secret does;
 * an outage, a conflict or a missing thing does not.
 */
const GUESS_CODES: unknown[] = [ErrorCode.UNAUTHENTICATED, ErrorCode.BAD_USER_INPUT, ErrorCode.FORBIDDEN];
function isGuess(error: unknown): boolean {
  return error instanceof GraphQLError && GUESS_CODES.includes(error.extensions?.code);
}

/**
 * Runs `attempt` unless the account or the IP has used up its attempts, in which case it
 * throws RATE_LIMITED with `extensions.retryAfterSeconds`. `account` is whatever names the
 * target (normalized email, user id, wallet address); `ip` the client's address.
 */
export async function guardAttempt<T>(kind: AttemptKind, who: { account?: string; ip?: string }, attempt: () => Promise<T>): Promise<T> {
  const { account: accountLimiter, accountIp: accountIpLimiter, ip: ipLimiter } = limitersOf(kind);
  const ip = who.ip ?? 'unknown';
  const buckets: { limiter: RateLimiterAbstract; key: string }[] = [{ limiter: ipLimiter, key: ip }];
  if (who.account !== undefined) {
    // The pair first: a guesser locked out of this account from its address no longer uses up
    // the account's allowance from everywhere.
    buckets.push({ limiter: accountIpLimiter, key: `${who.account}|${ip}` }, { limiter: accountLimiter, key: who.account });
  }
  const taken: typeof buckets = [];
  try {
    for (const bucket of buckets) {
      await bucket.limiter.consume(bucket.key);
      taken.push(bucket);
    }
  } catch (error) {
    if (error instanceof RateLimiterRes) throw rateLimited(kind, error);
    throw error; // the store is down: refuse rather than let guesses through unmetered
  }
  try {
    const result = await attempt();
    await Promise.all([ipLimiter.reward(ip), ...buckets.slice(1).map(({ limiter, key }) => limiter.delete(key))]);
    return result;
  } catch (error) {
    // Not a guess (an outage, a conflict): give the points back.
    if (!isGuess(error)) await Promise.all(taken.map(({ limiter, key }) => limiter.reward(key))).catch(() => undefined);
    throw error;
  }
}

/**
 * Sign-ups per client address (RATE_LIMIT_SIGNUP_PER_IP, default 30 per
 * RATE_LIMIT_SIGNUP_WINDOW_SECONDS, default an hour): every sign-up counts, made or refused, so
 * neither mass account creation nor probing which emails exist (`CONFLICT`) goes fast.
 */
let signUpLimiter: RateLimiterAbstract | undefined;
export async function guardSignUp(ip: string | undefined): Promise<void> {
  if (!signUpLimiter) {
    const positive = (name: string, fallback: number) => {
      const value = Number(process.env[name]);
      return Number.isInteger(value) && value > 0 ? value : fallback;
    };
    signUpLimiter = makeLimiter(
      'accounts.attempts.signup.ip',
      positive('RATE_LIMIT_SIGNUP_PER_IP', 30),
      positive('RATE_LIMIT_SIGNUP_WINDOW_SECONDS', 3600),
    );
  }
  try {
    await signUpLimiter.consume(ip ?? 'unknown');
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      const retryAfterSeconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw appError(ErrorCode.RATE_LIMITED, `Too many sign-ups from this address; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
    }
    throw error;
  }
}

/** Closes the Redis connection of the limiters (process stop). */
export async function closeAttemptStore(): Promise<void> {
  limiters.clear();
  signUpLimiter = undefined;
  const client = redis;
  redis = undefined;
  if (client) await client.quit().catch(() => undefined);
}
