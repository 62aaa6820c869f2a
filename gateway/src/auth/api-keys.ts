import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { API_KEY_EXCHANGE_PATH, ErrorCode, config, internalHeaders, subgraphBaseUrl, type Logger } from '@tradegraph/shared';

/** The header integrators send their key in (over WebSocket: `apiKey` in connection_init). */
export const API_KEY_HEADER = 'x-api-key';

/**
 * How long an exchanged token is reused for one key from one address. This is also how long a
 * revoked or expired key, or a key whose allow-list changed, can keep working at this gateway:
 * at most 30 s after the change (plus one in-flight exchange). The token itself lives 120 s,
 * but it is only ever handed out from this cache, so the cache time is the bound. Open
 * WebSockets are re-checked on the same period (see `watch`).
 */
const CACHE_TTL_MS = 30_000;
const MAX_CACHE_ENTRIES = 10_000;

function exchangeUrl(): string {
  return config().API_KEY_EXCHANGE_URL ?? `${subgraphBaseUrl('accounts')}${API_KEY_EXCHANGE_PATH}`;
}

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

interface Entry {
  authorization: Promise<string>;
  until: number;
}

/**
 * Trades API keys for short-lived access tokens at accounts and caches them, keyed by a hash of
 * the key (the secret itself is never kept) and the client's address, since the allow-list
 * makes the answer depend on both. Concurrent requests with one key share one exchange.
 */
export class ApiKeyExchange {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly logger: Logger,
    private readonly url = exchangeUrl(),
  ) {}

  /**
   * `Bearer <token>` for the key, or UNAUTHENTICATED (HTTP 401) with accounts' reason. `fresh`
   * skips the cache (and refreshes it).
   */
  authorization(apiKey: string, ip: string | undefined, fresh = false): Promise<string> {
    const cacheKey = `${createHash('sha256').update(apiKey).digest('base64url')}|${ip ?? ''}`;
    const now = Date.now();
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > now && !fresh) return cached.authorization;
    if (cached) this.cache.delete(cacheKey);
    const authorization = this.exchange(apiKey, ip);
    this.remember(cacheKey, { authorization, until: now + CACHE_TTL_MS });
    // Refusals and outages are not cached: the next request asks again.
    authorization.catch(() => {
      if (this.cache.get(cacheKey)?.authorization === authorization) this.cache.delete(cacheKey);
    });
    return authorization;
  }

  /**
   * A WebSocket authenticated by a key outlives any one token, so its key is checked again every
   * API_KEY_RECHECK_SECONDS (default 30): once accounts refuses it (revoked, expired, address no
   * longer allowed), `refused` is called and the connection should close. Returns a stop function.
   */
  watch(apiKey: string, ip: string | undefined, refused: (reason: string) => void): () => void {
    const intervalMs = config().API_KEY_RECHECK_SECONDS * 1000;
    const timer = setInterval(() => {
      this.authorization(apiKey, ip, true).catch((error: unknown) => {
        // An outage is not a refusal: keep the connection and ask again next time.
        if (error instanceof GraphQLError && error.extensions.code === ErrorCode.UNAUTHENTICATED) {
          clearInterval(timer);
          refused(error.message);
        }
      });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private remember(key: string, entry: Entry): void {
    if (this.cache.size >= MAX_CACHE_ENTRIES) {
      // Maps iterate in insertion order: drop the oldest.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, entry);
  }

  private async exchange(apiKey: string, ip: string | undefined): Promise<string> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...internalHeaders(),
        },
        body: JSON.stringify({ apiKey, ip }),
        signal: AbortSignal.timeout(5000),
      });
    } catch (error) {
      this.logger.error({ err: error }, 'api key exchange unreachable');
      throw new GraphQLError('The API key could not be checked; try again', {
        extensions: { code: 'UPSTREAM_ERROR', http: { status: 503 } },
      });
    }
    const body = (await response.json().catch(() => ({}))) as { accessToken?: string; error?: string };
    if (response.status === 401) throw unauthenticated(body.error ?? 'The API key is not valid');
    if (!response.ok || !body.accessToken) {
      this.logger.error({ status: response.status }, 'api key exchange failed');
      throw new GraphQLError('The API key could not be checked; try again', {
        extensions: { code: 'UPSTREAM_ERROR', http: { status: 503 } },
      });
    }
    return `Bearer ${body.accessToken}`;
  }
}
