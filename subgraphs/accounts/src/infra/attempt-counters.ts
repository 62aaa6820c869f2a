import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { redisName } from '@tradegraph/shared';
import {
  ATTEMPT_KINDS,
  isGuess,
  tooManyAttempts,
  tooManySignUps,
  type AttemptKind,
  type AttemptLimits,
  type SignUpLimits,
} from '../domain/attempts';

interface Buckets {
  account: RateLimiterAbstract;
  accountIp: RateLimiterAbstract;
  ip: RateLimiterAbstract;
}

/**
 * The attempt counters of domain/attempts.ts, in Redis (shared by every accounts process) or,
 * without REDIS_URL (the embedded mode: one process), in memory.
 */
export class AttemptCounters {
  private readonly redis: Redis | undefined;
  private readonly buckets: Map<AttemptKind, Buckets>;
  private readonly signUps: RateLimiterAbstract;

  constructor(limits: Record<AttemptKind, AttemptLimits>, signUpLimits: SignUpLimits, redisUrl: string | undefined) {
    this.redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true }) : undefined;
    this.buckets = new Map(
      ATTEMPT_KINDS.map((kind) => {
        const { windowSeconds, perAccount, perAccountIp, perIp } = limits[kind];
        const make = (scope: string, points: number) => this.limiter(`accounts.attempts.${kind}.${scope}`, points, windowSeconds);
        return [kind, { account: make('account', perAccount), accountIp: make('account-ip', perAccountIp), ip: make('ip', perIp) }];
      }),
    );
    this.signUps = this.limiter('accounts.attempts.signup.ip', signUpLimits.perIp, signUpLimits.windowSeconds);
  }

  private limiter(name: string, points: number, durationSeconds: number): RateLimiterAbstract {
    const options = { points, duration: durationSeconds, keyPrefix: redisName(name) };
    return this.redis ? new RateLimiterRedis({ ...options, storeClient: this.redis }) : new RateLimiterMemory(options);
  }

  /**
   * Runs `attempt` unless the account or the IP has used up its attempts, in which case it
   * throws RATE_LIMITED with `retryAfterSeconds`. `account` is whatever names the target
   * (normalized email, user id, wallet address); `ip` the client's address.
   */
  async guard<T>(kind: AttemptKind, who: { account?: string; ip?: string }, attempt: () => Promise<T>): Promise<T> {
    const { account: accountLimiter, accountIp: accountIpLimiter, ip: ipLimiter } = this.buckets.get(kind)!;
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
      if (error instanceof RateLimiterRes) throw tooManyAttempts(kind, error.msBeforeNext);
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

  /** Counts a sign-up from `ip`; RATE_LIMITED with `retryAfterSeconds` once the address has used up its sign-ups. */
  async guardSignUp(ip: string | undefined): Promise<void> {
    try {
      await this.signUps.consume(ip ?? 'unknown');
    } catch (error) {
      if (error instanceof RateLimiterRes) throw tooManySignUps(error.msBeforeNext);
      throw error;
    }
  }

  /** Closes the Redis connection of the counters (process stop). */
  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => undefined);
  }
}
