import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { CLIENT_USER_AGENT_HEADER, FORWARDED_FOR_HEADER, REQUEST_ID_HEADER } from '@tradegraph/shared';
import type { GatewayContext } from './context';
import { keepAliveFetcher } from './fetcher';
import { PublicFetchCache, epochOf, noteFetch, publicMaxAge } from './public-cache';

/** One keep-alive pool for every subgraph fetch of the process. */
const subgraphFetcher = keepAliveFetcher();
/** Subgraph answers marked public (see public-cache.ts), shared by every subgraph's data source. */
const publicFetches = new PublicFetchCache();

/** A subgraph over HTTP that carries the caller's token and the request id along. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(config: ConstructorParameters<typeof RemoteGraphQLDataSource<GatewayContext>>[0] = {}) {
    super({ fetcher: subgraphFetcher, ...config });
  }

  /** Answers public fetches from the cache; a mutation makes this subgraph's cached answers stale. */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    // Only operations of incoming requests; health checks and schema loading pass straight on.
    if (!('incomingRequestContext' in options)) return super.process(options);
    const subgraph = this.url ?? '';
    const query = options.request.query ?? '';
    const isMutation = /^\s*mutation\b/.test(query);
    noteFetch(options.context, subgraph, isMutation);
    if (isMutation) return super.process(options);
    const key = PublicFetchCache.key(subgraph, query, options.request.variables);
    const hit = publicFetches.get(key, subgraph);
    if (hit) {
      // The request's overall policy stays what it would have been had the subgraph answered.
      options.incomingRequestContext.overallCachePolicy?.restrict({ maxAge: hit.maxAge, scope: 'PUBLIC' });
      return hit.response;
    }
    const epoch = epochOf(subgraph);
    const response = await super.process(options);
    const maxAge = publicMaxAge(response.http?.headers.get('cache-control'));
    if (maxAge !== null) publicFetches.store(key, subgraph, response, maxAge, epoch);
    return response;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers || !context) return;
    if (context.reqId) headers.set(REQUEST_ID_HEADER, context.reqId);
    if (context.authorization) headers.set('authorization', context.authorization);
    // Set, never appended: what the client sent was already judged by clientIp at the edge.
    if (context.clientIp) headers.set(FORWARDED_FOR_HEADER, context.clientIp);
    if (context.userAgent) headers.set(CLIENT_USER_AGENT_HEADER, context.userAgent);
  }
}
