import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError, getOperationAST, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { GatewayExecutor, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { FetcherResponse } from '@apollo/utils.fetcher';
import type { OperationDocuments } from '../cache/documents';
import type { GatewayContext } from '../context';
import type { SubgraphFetches } from './datasource';
import { NodeHeaders } from './fetcher';
import type { MutationForwarder } from './forward';

/** What lean execution needs: the gateway's executor and the schema and documents Apollo Server validates with. */
export interface LeanExecutionOptions {
  executor: GatewayExecutor;
  documents: OperationDocuments;
  schema: GraphQLSchema;
  /** Apollo Server's logger, which the gateway's executor logs to as under the pipeline. */
  apolloLogger: GatewayGraphQLRequestContext['logger'];
  /** Called for each query or mutation answered this way (a metric). */
  onAnswer?: () => void;
  /** Sends mutations that one subgraph answers whole straight to it (forward.ts), when given. */
  forwarder?: MutationForwarder;
  /** The gateway's subgraph fetches, which replay a forwarded mutation's answer to the executor. */
  fetches: SubgraphFetches;
  /** Called for each mutation the forwarder answered (a metric). */
  onForward?: () => void;
}

/** One GraphQL request as the fast path read it; `document` and `operation` are filled in by `prepare`. */
export interface LeanRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
  document?: DocumentNode;
  operation?: OperationDefinitionNode;
}

/** Apollo Server's cache policy arithmetic (its `newCachePolicy`, which it does not export). */
function newCachePolicy() {
  return {
    maxAge: undefined as number | undefined,
    scope: undefined as 'PUBLIC' | 'PRIVATE' | undefined,
    restrict(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }) {
      if (hint.maxAge !== undefined && (this.maxAge === undefined || hint.maxAge < this.maxAge)) this.maxAge = hint.maxAge;
      if (hint.scope !== undefined && this.scope !== 'PRIVATE') this.scope = hint.scope;
    },
    replace(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }) {
      if (hint.maxAge !== undefined) this.maxAge = hint.maxAge;
      if (hint.scope !== undefined) this.scope = hint.scope;
    },
    policyIfCacheable() {
      if (this.maxAge === undefined || this.maxAge === 0) return null;
      return { maxAge: this.maxAge, scope: this.scope ?? 'PUBLIC' };
    },
  };
}

/** What running a request gave, for the edge to write. */
export type LeanOutcome =
  /** A forwarded mutation's answer, plain data, to be written as it is. */
  | { forwarded: Buffer }
  | {
      result: Awaited<ReturnType<GatewayExecutor>>;
      /** The executor threw (a mutation's: answered as the pipeline answers it, 500 unless it says otherwise). */
      threw: boolean;
      /** Status and headers the subgraphs' answers asked for. */
      http: { status?: number; headers: [string, string][] };
      /** The subgraphs' cache hints, combined as Apollo Server combines them. */
      cachePolicy: { maxAge: number; scope: 'PUBLIC' | 'PRIVATE' } | null;
    };

/**
 * Ordinary queries and mutations without express and Apollo Server's request pipeline: the
 * document parsed and validated once per text (cache/documents.ts), the gateway's executor called
 * with the request context it needs, mutations that one subgraph answers whole forwarded to it
 * (forward.ts). Mutations advance the write epochs in the data source as before.
 */
export class LeanExecution {
  /** Apollo Server's query hash (SHA-256 of the text), which keys the gateway's query plans; once per document. */
  private readonly queryHashes = new WeakMap<object, string>();

  constructor(readonly options: LeanExecutionOptions) {}

  /**
   * Fills in the request's document and operation; false when this path does not run it (a
   * text that does not parse or validate, no such operation, a subscription): the pipeline
   * words those answers.
   */
  prepare(request: LeanRequest): boolean {
    const prepared = this.options.documents.get(request.query);
    if ('errors' in prepared) return false;
    const operation = getOperationAST(prepared.document, request.operationName);
    if (!operation || operation.operation === 'subscription') return false;
    request.document = prepared.document;
    request.operation = operation;
    return true;
  }

  /**
   * Runs a prepared request for `context`. null when the pipeline must answer instead, so its
   * answer stays exactly what it was: a query whose executor throws, or errors without data (the
   * request's own, such as variables that do not coerce, found before anything was fetched; the
   * pipeline words and codes them BAD_USER_INPUT, HTTP 400). A mutation whose executor throws is
   * answered here: it may already have reached a subgraph, so it never runs twice.
   */
  async run(request: LeanRequest, context: GatewayContext, headers: IncomingHttpHeaders): Promise<LeanOutcome | null> {
    const { executor, forwarder, schema, apolloLogger } = this.options;
    const document = request.document as DocumentNode;
    const operation = request.operation as OperationDefinitionNode;
    const isMutation = operation.operation === 'mutation';
    // A mutation one subgraph answers whole: sent straight to it. Its answer is written as it is
    // when it is plain data; anything else the executor shapes from the response already received.
    let replay: FetcherResponse | Error | undefined;
    if (isMutation && forwarder) {
      const route = forwarder.route(document, operation, request.operationName);
      if (route && forwarder.variablesCoerce(operation, request.variables)) {
        const outcome = await forwarder.send(route, context, request.variables);
        if ('bytes' in outcome) {
          this.options.onForward?.();
          return { forwarded: outcome.bytes };
        }
        replay = outcome.replay;
      }
    }
    let queryHash = this.queryHashes.get(document);
    if (queryHash === undefined) this.queryHashes.set(document, (queryHash = createHash('sha256').update(request.query).digest('hex')));
    const overallCachePolicy = newCachePolicy();
    const response = { http: { headers: new NodeHeaders(), status: undefined as number | undefined } };
    const requestContext = {
      request: {
        query: request.query,
        operationName: request.operationName,
        variables: request.variables,
        extensions: undefined,
        http: { method: 'POST', url: 'https://unknown-url.invalid/', headers: new NodeHeaders(headers) },
      },
      response,
      logger: apolloLogger,
      schema,
      schemaHash: 'schemaHash no longer exists since Apollo Server 4',
      context,
      cache: undefined,
      queryHash,
      document,
      source: request.query,
      operationName: operation.name?.value ?? null,
      operation,
      errors: undefined,
      metrics: {},
      debug: false,
      overallCachePolicy,
      requestIsBatched: false,
    } as unknown as GatewayGraphQLRequestContext;
    let result: Awaited<ReturnType<GatewayExecutor>>;
    try {
      result = replay ? await this.options.fetches.withReplayedResponse(context, replay, () => executor(requestContext)) : await executor(requestContext);
    } catch (error) {
      if (!isMutation) return null;
      // The mutation may have reached a subgraph, so it is answered here as the pipeline answers
      // an executor that throws (the error formatted, status 500 unless it says otherwise).
      const errors = [error instanceof GraphQLError ? error : new GraphQLError((error as Error)?.message ?? String(error))];
      return { result: { errors }, threw: true, http: { status: undefined, headers: [] }, cachePolicy: null };
    }
    if (result.errors && result.data === undefined) return null;
    return {
      result,
      threw: false,
      http: { status: response.http.status, headers: [...response.http.headers] },
      cachePolicy: isMutation ? null : overallCachePolicy.policyIfCacheable(),
    };
  }
}
