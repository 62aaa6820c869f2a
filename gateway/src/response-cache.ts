import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import type { GatewayContext } from './context';
import { epochsCurrent, epochsTouchedBy } from './public-cache';

interface Entry {
  result: FormattedExecutionResult;
  until: number;
  /** Write epochs of the subgraphs behind it: a write through the gateway drops it (public-cache.ts). */
  epochs: Map<string, number>;
}

/**
 * Caches whole query responses that the subgraphs declared public, for as long as they said.
 *
 * The gateway folds each subgraph response's `Cache-Control` header into the request's overall
 * cache policy (a subgraph that sends none makes it uncacheable), so a response is stored only
 * when every fetch behind it was marked `public` with a max-age — public market data hinted with
 * `@cacheControl`. Anything touching user data has no such hint and is never stored, and a hit
 * can only ever return data that is the same for every caller; that is why the key ignores the
 * caller. The caller's credentials are still checked before this runs (an invalid token is refused
 * as before). Responses with errors are not stored.
 */
export function publicResponseCache(options: { maxEntries?: number } = {}): ApolloServerPlugin<GatewayContext> & { size(): number } {
  const maxEntries = options.maxEntries ?? 5_000;
  const entries = new Map<string, Entry>();

  const store = (key: string, context: GraphQLRequestContextWillSendResponse<GatewayContext>) => {
    const policy = context.overallCachePolicy.policyIfCacheable();
    if (!policy || policy.scope !== 'PUBLIC' || policy.maxAge <= 0) return;
    const { body } = context.response;
    if (body.kind !== 'single' || body.singleResult.errors?.length) return;
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
    entries.set(key, {
      result: body.singleResult,
      until: Date.now() + policy.maxAge * 1000,
      epochs: epochsTouchedBy(context.contextValue),
    });
  };

  return {
    size: () => entries.size,
    async requestDidStart() {
      let key: string | null = null;
      let hit = false;
      return {
        async responseForOperation(context) {
          if (context.operation.operation !== 'query') return null;
          key = JSON.stringify([context.source, context.operationName ?? null, context.request.variables ?? {}]);
          const entry = entries.get(key);
          if (!entry) return null;
          const left = entry.until - Date.now();
          if (left <= 0 || !epochsCurrent(entry.epochs)) {
            entries.delete(key);
            return null;
          }
          hit = true;
          // The response still says how much longer it may be cached downstream.
          context.overallCachePolicy.replace({ maxAge: Math.max(1, Math.floor(left / 1000)), scope: 'PUBLIC' });
          return { http: context.response.http, body: { kind: 'single', singleResult: entry.result } };
        },
        async willSendResponse(context) {
          if (!hit && key !== null) store(key, context);
        },
      };
    },
  };
}
