import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import type { GatewayContext } from '../context';
import { epochsCurrent, epochsTouchedBy } from './public-cache';

/** A cached answer's bytes, and its compressed forms once a client asked for them (edge/compression.ts). */
export interface CachedBody {
  bytes: Buffer;
  etag: string;
  br?: Promise<Buffer>;
  gzip?: Promise<Buffer>;
}

interface Entry {
  result: FormattedExecutionResult;
  until: number;
  /** Write epochs of the subgraphs behind it: a write through the gateway drops it (public-cache.ts). */
  epochs: Map<string, number>;
  /** The response body as Apollo Server writes it, and express's ETag of it; made on first use. */
  body?: CachedBody;
}

/** A live cached response and how many more seconds it may be cached downstream. */
export interface CachedResponse {
  entry: Entry;
  maxAge: number;
}

/**
 * Caches whole query responses that the subgraphs declared public, for as long as they said.
 *
 * The gateway folds each subgraph response's `Cache-Control` header into the request's overall
 * cache policy (a subgraph that sends none makes it uncacheable), so a response is stored only
 * when every fetch behind it was marked `public` with a max-age — public market data hinted with
 * `@cacheControl`. Anything touching user data has no such hint and is never stored, and a hit
 * can only ever return data that is the same for every caller; that is why the key ignores the
 * caller. The caller's credentials are still checked before a hit is served (an invalid token is
 * refused as before). Responses with errors are not stored.
 *
 * One instance serves two readers: the Apollo Server plugin (`plugin()`), which stores answers and
 * serves hits inside the request pipeline, and the HTTP fast path (edge/fast-path.ts), which serves hits
 * before express and Apollo Server run. Both key an entry by what the request itself says (query
 * text, operationName as sent, variables), so the fast path can compute it from the raw body.
 */
export class PublicResponseCache {
  private readonly entries = new Map<string, Entry>();
  /** Keys that have had an entry, kept past its expiry: the requests worth waiting for (edge/fast-path.ts). */
  private readonly known = new Set<string>();

  constructor(private readonly maxEntries = 5_000) {}

  static key(query: string, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): string {
    return JSON.stringify([query, operationName ?? null, variables ?? {}]);
  }

  /** The live entry for `key`; an expired entry, or one a write has made stale, is dropped. */
  lookup(key: string): CachedResponse | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    const left = entry.until - Date.now();
    if (left <= 0 || !epochsCurrent(entry.epochs)) {
      this.entries.delete(key);
      return null;
    }
    return { entry, maxAge: Math.max(1, Math.floor(left / 1000)) };
  }

  store(key: string, result: FormattedExecutionResult, maxAgeSeconds: number, epochs: Map<string, number>): void {
    if (result.errors?.length || maxAgeSeconds <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { result, until: Date.now() + maxAgeSeconds * 1000, epochs });
    if (!this.known.has(key)) {
      if (this.known.size >= this.maxEntries) this.known.delete(this.known.values().next().value as string);
      this.known.add(key);
    }
  }

  /** Whether `key` has been cached before, i.e. its answer is public and will most likely be stored again. */
  wasCached(key: string): boolean {
    return this.known.has(key);
  }

  /**
   * The bytes Apollo Server sends for this result (its field order, JSON and a newline) and the
   * weak ETag express's `res.send` derives from them, computed once per entry.
   */
  static body(entry: Entry): CachedBody {
    if (!entry.body) {
      const { errors, data, extensions } = entry.result;
      const bytes = Buffer.from(`${JSON.stringify({ errors, data, extensions })}\n`, 'utf8');
      entry.body = { bytes, etag: PublicResponseCache.etag(bytes) };
    }
    return entry.body;
  }

  /** Express's default (weak) ETag: the body's length in hex and the start of its SHA-1, base64. */
  static etag(bytes: Buffer): string {
    const hash = createHash('sha1').update(bytes).digest('base64').substring(0, 27);
    return `W/"${bytes.length.toString(16)}-${hash}"`;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The Apollo Server plugin that fills this cache and answers hits inside the pipeline. */
  plugin(): ApolloServerPlugin<GatewayContext> {
    const store = (key: string, context: GraphQLRequestContextWillSendResponse<GatewayContext>) => {
      const policy = context.overallCachePolicy.policyIfCacheable();
      if (!policy || policy.scope !== 'PUBLIC' || policy.maxAge <= 0) return;
      const { body } = context.response;
      if (body.kind !== 'single') return;
      this.store(key, body.singleResult, policy.maxAge, epochsTouchedBy(context.contextValue));
    };
    return {
      requestDidStart: async () => {
        let key: string | null = null;
        let hit = false;
        return {
          responseForOperation: async (context) => {
            if (context.operation.operation !== 'query') return null;
            key = PublicResponseCache.key(context.source, context.request.operationName, context.request.variables);
            const cached = this.lookup(key);
            if (!cached) return null;
            hit = true;
            // The response still says how much longer it may be cached downstream.
            context.overallCachePolicy.replace({ maxAge: cached.maxAge, scope: 'PUBLIC' });
            return { http: context.response.http, body: { kind: 'single', singleResult: cached.entry.result } };
          },
          willSendResponse: async (context) => {
            if (!hit && key !== null) store(key, context);
          },
        };
      },
    };
  }
}

/** The plugin over a cache of its own (or the given one), with the cache's size for tests. */
export function publicResponseCache(
  options: { maxEntries?: number; cache?: PublicResponseCache } = {},
): ApolloServerPlugin<GatewayContext> & { size(): number } {
  const cache = options.cache ?? new PublicResponseCache(options.maxEntries);
  return Object.assign(cache.plugin(), { size: () => cache.size });
}
