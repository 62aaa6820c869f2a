import Redis from 'ioredis';
import { GraphQLError } from 'graphql';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ErrorCode, appError, redisName, redisUrl } from '@tradegraph/shared';

/**
 * Brute-force protection for everything that checks a secret: passwords (`login`), second
 * factors (`two-factor`) and wallet signatures (`siwe`). Each attempt takes a point from two
 * buckets, one per account and one per client IP; a success gives the IP's point back and
 * empties the account's bucket, so only failures add up. Taking the point before the check
 * (not after a failure) means parallel guesses cannot all slip past one last free point.
 */
export type AttemptKind = 'login' | 'two-factor' | 'siwe';

interface Limits {
  perAccount: number;
  perIp: number;
  windowSeconds: number;
}

/**
 * Defaults: an account gets 10 failed guesses per 15 minutes; an IP (which may be an office
 * behind one NAT, or a test suite) gets 300. Env: RATE_LIMIT_<KIND>_PER_ACCOUNT,
 * RATE_LIMIT_<KIND>_PER_IP, RATE_LIMIT_<KIND>_WINDOW_SECONDS with KIND = LOGIN, TWO_FACTOR, SIWE.
 */
const DEFAULTS: Record<AttemptKind, Limits> = {
  login: { perAccount: 10, perIp: 300, windowSeconds: 15 * 60 },
  'two-factor': { perAccount: 10, perIp: 300, windowSeconds: 15 * 60 },
  siwe: { perAccount: 10, perIp: 300, windowSeconds: 15 * 60 },
};

function limitsOf(kind: AttemptKind): Limits {
  const prefix = `RATE_LIMIT_${kind.replace('-', '_').toUpperCase()}_`;
  const positive = (name: string, fallback: number) => {
    const value = Number(process.env[prefix + name]);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  const d = DEFAULTS[kind];
  return {
    perAccount: positive('PER_ACCOUNT', d.perAccount),
    perIp: positive('PER_IP', d.perIp),
    windowSeconds: positive('WINDOW_SECONDS', d.windowSeconds),
  };
}

let redis: Redis | undefined;
const limiters = new Map<AttemptKind, { account: RateLimiterAbstract; ip: RateLimiterAbstract }>();

function limitersOf(kind: AttemptKind) {
  let pair = limiters.get(kind);
  if (pair) return pair;
  const limits = limitsOf(kind);
  const url = redisUrl();
  const make = (scope: 'account' | 'ip', points: number): RateLimiterAbstract => {
    const options = { points, duration: limits.windowSeconds, keyPrefix: redisName(`accounts.attempts.${kind}.${scope}`) };
    if (!url) return new RateLimiterMemory(options); // embedded mode: one process, memory is shared state
    redis ??= new Redis(url, { maxRetriesPerRequest: 2 });
    return new RateLimiterRedis({ ...options, storeClient: redis });
  };
  pair = { account: make('account', limits.perAccount), ip: make('ip', limits.perIp) };
  limiters.set(kind, pair);
  return pair;
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
  const { account: accountLimiter, ip: ipLimiter } = limitersOf(kind);
  const ip = who.ip ?? 'unknown';
  const taken: { limiter: RateLimiterAbstract; key: string }[] = [];
  try {
    await ipLimiter.consume(ip);
    taken.push({ limiter: ipLimiter, key: ip });
    if (who.account !== undefined) {
      await accountLimiter.consume(who.account);
      taken.push({ limiter: accountLimiter, key: who.account });
    }
  } catch (error) {
    if (error instanceof RateLimiterRes) throw rateLimited(kind, error);
    throw error; // the store is down: refuse rather than let guesses through unmetered
  }
  try {
    const result = await attempt();
    await Promise.all([ipLimiter.reward(ip), who.account !== undefined ? accountLimiter.delete(who.account) : undefined]);
    return result;
  } catch (error) {
    // Not a guess (an outage, a conflict): give the points back.
    if (!isGuess(error)) await Promise.all(taken.map(({ limiter, key }) => limiter.reward(key))).catch(() => undefined);
    throw error;
  }
}

/** Closes the Redis connection of the limiters (process stop). */
export async function closeAttemptStore(): Promise<void> {
  limiters.clear();
  const client = redis;
  redis = undefined;
  if (client) await client.quit().catch(() => undefined);
}
