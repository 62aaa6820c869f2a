import Redis from 'ioredis';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ErrorCode, config, redisName, redisUrl, type Logger, type Viewer, type Config } from '@tradegraph/shared';

/**
 * Request rate limits at the gateway, per minute, on Redis (so every gateway process counts
 * together; in memory when there is no REDIS_URL, the embedded mode's one process):
 *
 * - requests: every operation takes a point from its caller's bucket — the API key's when it came
 *   with one, else the user's, else the client address's — and one from the address's bucket;
 * - cost: the operation's computed cost (query-limits.ts) from the caller's cost budget;
 * - money: mutations that move money or open positions (placeOrder, amendOrder, creditDemoFunds)
 *   from a smaller bucket of the caller's;
 * - sign-ups: `signUp` from a small bucket of the client address's.
 *
 * Over a limit: RATE_LIMITED (HTTP 429) with, in extensions, which limit, its maximum per
 * minute, what is left, the seconds until it refills and the operation's cost.
 */
export interface RateLimits {
  requestsPerMinute: number;
  costPerMinute: number;
  moneyPerMinute: number;
  signUpsPerMinute: number;
}

/** Root fields of the mutations that move money. */
export const MONEY_FIELDS = new Set(['placeOrder', 'amendOrder', 'creditDemoFunds']);
const SIGN_UP_FIELDS = new Set(['signUp']);

/** The limits from the configuration, or null when RATE_LIMITS=off (benchmarks that measure the gateway's own speed). */
export function configuredRateLimits(settings: Config = config()): RateLimits | null {
  if (settings.RATE_LIMITS === false) return null;
  return {
    requestsPerMinute: settings.RATE_LIMIT_REQUESTS_PER_MINUTE,
    costPerMinute: settings.RATE_LIMIT_COST_PER_MINUTE,
    moneyPerMinute: settings.RATE_LIMIT_MONEY_PER_MINUTE,
    signUpsPerMinute: settings.RATE_LIMIT_SIGNUPS_PER_MINUTE,
  };
}

/** Who is asking, as far as limits are concerned. */
export interface Caller {
  viewer: Viewer | null | undefined;
  clientIp?: string;
}

type Bucket = 'requests' | 'cost' | 'money' | 'signUps';

export class RequestRateLimiter {
  private readonly limiters: Record<Bucket, RateLimiterAbstract>;
  private readonly redis?: Redis;

  constructor(
    private readonly limits: RateLimits,
    private readonly logger: Logger,
    url = redisUrl(),
  ) {
    // Auto-pipelining: the buckets of one request (and of requests arriving together) go to Redis in one write.
    if (url) this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableAutoPipelining: true, lazyConnect: false });
    const make = (bucket: Bucket, points: number): RateLimiterAbstract => {
      const options = { points, duration: 60, keyPrefix: redisName(`gateway.limits.${bucket}`) };
      if (!this.redis) return new RateLimiterMemory(options);
      // While Redis is unreachable each process counts alone (in memory) rather than refusing or letting all through.
      return new RateLimiterRedis({ ...options, storeClient: this.redis, insuranceLimiter: new RateLimiterMemory(options) });
    };
    this.limiters = {
      requests: make('requests', limits.requestsPerMinute),
      cost: make('cost', limits.costPerMinute),
      money: make('money', limits.moneyPerMinute),
      signUps: make('signUps', limits.signUpsPerMinute),
    };
  }

  /** Null when the operation may run (its points are taken), else the RATE_LIMITED error to answer with. */
  async admit(caller: Caller, operation: OperationDefinitionNode, cost: number): Promise<GraphQLError | null> {
    const ip = `ip:${caller.clientIp ?? 'unknown'}`;
    const viewer = caller.viewer;
    const principal = viewer?.apiKeyId ? `key:${viewer.apiKeyId}` : viewer ? `user:${viewer.userId}` : ip;
    const takes: [Bucket, string, number][] = [['requests', principal, 1]];
    if (principal !== ip) takes.push(['requests', ip, 1]);
    if (cost > 0) takes.push(['cost', principal, Math.min(cost, this.limits.costPerMinute + 1)]);
    if (operation.operation === 'mutation') {
      for (const selection of operation.selectionSet.selections) {
        if (selection.kind !== Kind.FIELD) continue;
        if (MONEY_FIELDS.has(selection.name.value)) takes.push(['money', principal, 1]);
        if (SIGN_UP_FIELDS.has(selection.name.value)) takes.push(['signUps', ip, 1]);
      }
    }
    const outcomes = await Promise.all(
      takes.map(([bucket, key, points]) =>
        this.limiters[bucket].consume(key, points).then(
          () => null,
          (rejection: unknown) => {
            if (rejection instanceof RateLimiterRes) return { bucket, rejection };
            // Neither Redis nor the insurance limiter answered: let the request through, and say so.
            this.logger.warn({ err: rejection, bucket }, 'rate limiter unavailable');
            return null;
          },
        ),
      ),
    );
    const refused = outcomes.find((outcome) => outcome !== null);
    if (!refused) return null;
    const { bucket, rejection } = refused;
    const max = this.maxOf(bucket);
    const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    return new GraphQLError(`Rate limit reached (${bucket} per minute); try again in ${retryAfterSeconds} s`, {
      extensions: {
        code: ErrorCode.RATE_LIMITED,
        limit: bucket,
        max,
        remaining: Math.max(0, rejection.remainingPoints),
        retryAfterSeconds,
        cost,
        http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
      },
    });
  }

  private maxOf(bucket: Bucket): number {
    return {
      requests: this.limits.requestsPerMinute,
      cost: this.limits.costPerMinute,
      money: this.limits.moneyPerMinute,
      signUps: this.limits.signUpsPerMinute,
    }[bucket];
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => {});
  }
}
