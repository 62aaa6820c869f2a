import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import { CLIENT_USER_AGENT_HEADER, FORWARDED_FOR_HEADER, REQUEST_ID_HEADER } from '@tradegraph/shared';
import type { GatewayContext } from '../context';
import { isMutationText, keepAliveClient } from './fetcher';
import { PublicFetchCache, epochOf, noteFetch, publicMaxAge } from '../cache/public-cache';
import { SubgraphBatcher, subgraphBatchMax } from './subgraph-batch';

/**
 * Responses already received for a request, to be handed to the executor instead of fetching
 * (see forward.ts): a forwarded mutation whose answer needs the executor's error shaping is run
 * through it once more, and its fetch must not reach the subgraph a second time. The request's
 * context names its response; `willSendRequest` carries that name in an internal header, the only
 * part of the fetch the fetcher sees, and the fetcher answers with the response instead of sending.
 */
const REPLAY_HEADER = 'x-tradegraph-replay';

/**
 * How one gateway reaches its subgraphs, made once when it starts: one keep-alive pool for every
 * subgraph fetch, fetches for one subgraph made at the same moment sent as one batch, the
 * responses held for replay, and the public answers every data source shares.
 */
export class SubgraphFetches {
  readonly batcher: SubgraphBatcher;
  /** Subgraph answers marked public (see cache/public-cache.ts), shared by every subgraph's data source. */
  readonly publicAnswers = new PublicFetchCache();
  private readonly replays = new Map<string, FetcherResponse | Error>();
  private replaysMade = 0;

  constructor(batchMax = subgraphBatchMax()) {
    this.batcher = new SubgraphBatcher(keepAliveClient(), batchMax);
  }

  /** Sends through the batcher, unless the request's response is held for replay. */
  readonly fetch: Fetcher = (url, init) => {
    const headers = init?.headers as Record<string, string> | undefined;
    const id = headers?.[REPLAY_HEADER];
    if (id === undefined) return this.batcher.fetch(url, init);
    const response = this.replays.get(id);
    // Taken once: a replayed request never fetches, not even a second time.
    this.replays.delete(id);
    if (response === undefined) return Promise.reject(new Error('Replayed subgraph response already used'));
    return response instanceof Error ? Promise.reject(response) : Promise.resolve(response);
  };

  /** Runs `execute` with `response` standing in for the subgraph fetch that the request's context makes. */
  async withReplayedResponse<T>(context: GatewayContext, response: FetcherResponse | Error, execute: () => Promise<T>): Promise<T> {
    const id = String((this.replaysMade += 1));
    this.replays.set(id, response);
    context.replayId = id;
    try {
      return await execute();
    } finally {
      this.replays.delete(id);
    }
  }
}

/** The headers of every fetch for an incoming request: its id and the caller's credentials, address and agent. */
export function subgraphRequestHeaders(context: GatewayContext): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (context.reqId) headers[REQUEST_ID_HEADER] = context.reqId;
  if (context.authorization) headers.authorization = context.authorization;
  // Set, never appended: what the client sent was already judged by clientIp at the edge.
  if (context.clientIp) headers[FORWARDED_FOR_HEADER] = context.clientIp;
  if (context.userAgent) headers[CLIENT_USER_AGENT_HEADER] = context.userAgent;
  return headers;
}
/** A fetch that failed for want of a connection: refused, reset, timed out (node's and undici's codes). */
function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  const name = (error as { name?: unknown }).name;
  return (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) || name === 'TimeoutError' || name === 'AbortError';
}

/** Statuses that mean the subgraph is not there to answer (down, restarting, stopping), not that it refused. */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

/** A subgraph over HTTP that carries the caller's token and the request id along. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /** The subgraph's name, for errors that say which part of the graph is unavailable. */
  readonly service: string;

  constructor(
    private readonly fetches: SubgraphFetches,
    config: ConstructorParameters<typeof RemoteGraphQLDataSource<GatewayContext>>[0] & { service?: string } = {},
  ) {
    const { service, ...rest } = config;
    super({ fetcher: fetches.fetch, ...rest });
    this.service = service ?? 'subgraph';
  }

  /**
   * A subgraph that cannot be reached (refused, reset, timed out) or answers that it is not
   * available: the fields it owns fail with SUBGRAPH_UNAVAILABLE, a code a client can retry on,
   * while the rest of the graph answers as usual. Its address stays out of the message.
   */
  override didEncounterError(error: Error, _request: unknown, response?: FetcherResponse): void {
    if (response ? UNAVAILABLE_STATUSES.has(response.status) : isConnectionFailure(error)) {
      throw new GraphQLError(`The ${this.service} service is unavailable at the moment; try again shortly`, {
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', service: this.service },
      });
    }
    throw error;
  }

  /** Answers public fetches from the cache; a mutation makes this subgraph's cached answers stale. */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    // Only operations of incoming requests; health checks and schema loading pass straight on.
    if (!('incomingRequestContext' in options)) return super.process(options);
    const subgraph = this.url ?? '';
    const query = options.request.query ?? '';
    const isMutation = isMutationText(query);
    noteFetch(options.context, subgraph, isMutation);
    if (isMutation) return super.process(options);
    const key = PublicFetchCache.key(subgraph, query, options.request.variables);
    const hit = this.fetches.publicAnswers.get(key, subgraph);
    if (hit) {
      // The request's overall policy stays what it would have been had the subgraph answered.
      options.incomingRequestContext.overallCachePolicy?.restrict({ maxAge: hit.maxAge, scope: 'PUBLIC' });
      return hit.response;
    }
    const epoch = epochOf(subgraph);
    const response = await super.process(options);
    const maxAge = publicMaxAge(response.http?.headers.get('cache-control'));
    if (maxAge !== null) this.fetches.publicAnswers.store(key, subgraph, response, maxAge, epoch);
    return response;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers || !context) return;
    const incoming = context as GatewayContext;
    for (const [name, value] of Object.entries(subgraphRequestHeaders(incoming))) headers.set(name, value);
    if (incoming.replayId) headers.set(REPLAY_HEADER, incoming.replayId);
  }
}
