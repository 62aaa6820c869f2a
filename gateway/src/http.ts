import { createHash } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import { GraphQLError, getOperationAST, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { GatewayExecutor, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { FetcherResponse } from '@apollo/utils.fetcher';
import { REQUEST_ID_HEADER, clientIp, requestIdFrom, type Logger, type TokenVerifier, type Viewer } from '@tradegraph/shared';
import { ApiKeyExchange, apiKeyOf, requestAuthorization } from './api-keys';
import { PublicResponseCache } from './response-cache';
import type { GatewayContext } from './context';
import type { OperationDocuments } from './documents';
import { epochsTouchedBy } from './public-cache';
import { NodeHeaders, isMutationText } from './fetcher';
import type { MutationForwarder } from './forward';
import { withReplayedResponse } from './datasource';
import { refusalBody, statusOf, type QueryGate } from './query-gate';
import type { RequestRateLimiter } from './rate-limits';
import { markReceived, receivedAt, secondsSince, type OperationMetrics } from './operation-metrics';

/**
 * The fast path for `POST /graphql` requests the public response cache can answer.
 *
 * A cached public answer (a market's price, the market list) is a few hundred bytes from memory,
 * but through express, express.json and Apollo Server's request pipeline (plugins, document
 * store, context, serialization) each hit cost about 0.5 ms of CPU. This handler sits in front
 * of the express app: it reads the body, and when the request is a live entry of the cache it
 * checks the caller's credentials exactly as the context does (a present token must verify, an
 * API key goes through the exchange) and writes the stored bytes with the headers the pipeline
 * would send. Everything else — a miss, a mutation, an unusual header, a credential that does
 * not check out, a body it does not understand — goes to the express app unchanged, with the
 * body already parsed (or, when it is not plain JSON, unread), so the pipeline answers it as it
 * always has, errors included.
 */
export interface FastPathOptions {
  /** The express app: everything the fast path does not answer. */
  app: RequestListener;
  cache: PublicResponseCache;
  logger: Logger;
  verifyToken: TokenVerifier;
  apiKeys: ApiKeyExchange;
  proxies: BlockList;
  /** Called for each request the fast path answered (a metric). */
  onHit?: () => void;
  /** Admits requests (input, size and cost limits) before anything else is made of them. */
  gate: QueryGate;
  /** Request rate limits per caller (rate-limits.ts); null when off. */
  limiter: RequestRateLimiter | null;
  /** What clients see of an error (internal details masked): the same function Apollo Server formats with. */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Per-operation figures of the operations answered here (the pipeline records its own). */
  operations?: OperationMetrics;
  /**
   * Runs ordinary queries and mutations without express and Apollo Server's pipeline (see `leanQuery`), when
   * given. Left out, every miss goes through the pipeline.
   */
  lean?: {
    executor: GatewayExecutor;
    documents: OperationDocuments;
    schema: GraphQLSchema;
    /** Apollo Server's logger, which the gateway's executor logs to as under the pipeline. */
    apolloLogger: GatewayGraphQLRequestContext['logger'];
    /** Called for each query this path answered (a metric). */
    onAnswer?: () => void;
    /** Sends mutations that one subgraph answers whole straight to it (forward.ts), when given. */
    forwarder?: MutationForwarder;
    /** Called for each mutation the forwarder answered (a metric). */
    onForward?: () => void;
  };
}

/** Verifies the caller once at the edge; a bad token is an error (HTTP 401), no token is an anonymous caller. */
async function authenticate(verifyToken: TokenVerifier, authorization: string | undefined): Promise<Viewer | null> {
  try {
    return await verifyToken(authorization);
  } catch (error) {
    if (error instanceof GraphQLError) {
      throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 401 } } });
    }
    throw error;
  }
}

/**
 * The context of an HTTP request: credentials (an API key exchanged for a token, or the
 * Authorization header) verified, the caller's address, the request id. The same function serves
 * Apollo Server's context and the paths here, so both check a caller alike.
 */
export function httpContext(deps: {
  verifyToken: TokenVerifier;
  apiKeys: ApiKeyExchange;
  proxies: BlockList;
}): (req: IncomingMessage) => Promise<GatewayContext> {
  const { verifyToken, apiKeys, proxies } = deps;
  return async (req) => {
    const ip = clientIp(req, proxies);
    const authorization = await requestAuthorization(apiKeys, apiKeyOf(req.headers), req.headers.authorization || undefined, ip);
    return {
      reqId: requestIdFrom(req.headers[REQUEST_ID_HEADER]),
      authorization,
      viewer: await authenticate(verifyToken, authorization),
      clientIp: ip,
      userAgent: req.headers['user-agent'],
      receivedAt: receivedAt(req),
    };
  };
}

/** Bodies of cacheable queries are small; anything larger simply takes the ordinary path. */
const MAX_BODY_BYTES = 64 * 1024;

/** Request content types that express.json parses as UTF-8 JSON, lower-cased. */
const JSON_CONTENT_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

const APPLICATION_JSON = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';
/**
 * The response content type Apollo Server negotiates for common `Accept` headers (none, curl's,
 * fetch's, Apollo Client's). Other values go through the pipeline, which negotiates in full.
 */
const CONTENT_TYPE_FOR_ACCEPT = new Map<string, string>([
  ['', APPLICATION_JSON],
  ['*/*', APPLICATION_JSON],
  ['application/json', APPLICATION_JSON],
  ['application/json, */*', APPLICATION_JSON],
  ['application/graphql-response+json, application/json', GRAPHQL_RESPONSE_JSON],
  ['application/graphql-response+json,application/json;q=0.9', GRAPHQL_RESPONSE_JSON],
  ['application/graphql-response+json, application/json;q=0.9', GRAPHQL_RESPONSE_JSON],
]);

interface CacheableRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The query, operationName and variables of a POST body as Apollo Server reads them, when the
 * body is one it would run as is; null for anything it would refuse or treat specially
 * (batches, persisted-query extensions, wrong field types).
 */
function cacheableRequest(body: unknown): CacheableRequest | null {
  if (!isRecord(body) || typeof body.query !== 'string') return null;
  const { query, operationName, variables, extensions } = body;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  if (variables !== undefined && variables !== null && !isRecord(variables)) return null;
  if (extensions !== undefined && extensions !== null) return null;
  return {
    query,
    operationName: typeof operationName === 'string' ? operationName : undefined,
    variables: isRecord(variables) ? variables : undefined,
  };
}

/** The body's length when this is a request the fast path may read, else null. */
function readableLength(req: IncomingMessage): number | null {
  if (req.method !== 'POST' || req.url !== '/graphql') return null;
  const { headers } = req;
  const type = headers['content-type'];
  if (type === undefined || !JSON_CONTENT_TYPES.has(type.toLowerCase())) return null;
  if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return null;
  const length = Number(headers['content-length']);
  return Number.isInteger(length) && length > 0 && length <= MAX_BODY_BYTES ? length : null;
}

/** The parsed body when it is a JSON object or array, as express.json would accept; else undefined. */
function parseJson(raw: Buffer): unknown {
  // express.json strips a byte-order mark while decoding; leave such bodies to it.
  if (raw[0] === 0xef) return undefined;
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
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

/**
 * An execution error as Apollo Server formats it (errorNormalize.ts there): a code for every
 * error (INTERNAL_SERVER_ERROR when it has none), `extensions.http` taken out into the response's
 * status and headers, no stack traces.
 */
function formatError(maybeError: unknown, http: { status?: number; headers: [string, string][] }): GraphQLFormattedError {
  const error =
    maybeError instanceof GraphQLError
      ? maybeError
      : maybeError instanceof Error
        ? new GraphQLError(maybeError.message, { originalError: maybeError })
        : new GraphQLError(`Unexpected error value: ${String(maybeError)}`);
  const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
  const head = extensions.http as { status?: unknown; headers?: unknown } | undefined;
  if (
    !!head &&
    typeof head === 'object' &&
    (!('status' in head) || typeof head.status === 'number') &&
    (!('headers' in head) || head.headers instanceof Map)
  ) {
    if (head.status) http.status = head.status as number;
    if (head.headers) for (const [name, value] of head.headers as Map<string, string>) http.headers.push([name, value]);
    delete extensions.http;
  }
  return { ...error.toJSON(), extensions };
}

/**
 * Writes an answer with the headers the pipeline sends through express, in its order: any the
 * errors asked for, the request id, cache-control, then express's content type, length and ETag.
 */
function writeAnswer(
  res: ServerResponse,
  answer: { status: number; headers: [string, string][]; reqId: string; cacheControl: string; contentType: string; bytes: Buffer; etag?: string },
): void {
  const etag = answer.etag ?? PublicResponseCache.etag(answer.bytes);
  if (answer.headers.length === 0) {
    // The common case, written in one call: a flat list skips node's per-header bookkeeping.
    res.writeHead(answer.status, [
      REQUEST_ID_HEADER,
      answer.reqId,
      'cache-control',
      answer.cacheControl,
      'Content-Type',
      answer.contentType,
      'Content-Length',
      String(answer.bytes.length),
      'ETag',
      etag,
    ]);
    res.end(answer.bytes);
    return;
  }
  res.statusCode = answer.status;
  // setHeader, not a list: a later header of the same name replaces one an error asked for.
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  res.setHeader(REQUEST_ID_HEADER, answer.reqId);
  res.setHeader('cache-control', answer.cacheControl);
  res.setHeader('Content-Type', answer.contentType);
  res.setHeader('Content-Length', String(answer.bytes.length));
  res.setHeader('ETag', etag);
  res.end(answer.bytes);
}

export function graphqlFastPath(options: FastPathOptions): RequestListener & { close(): void } {
  const { app, cache, logger, verifyToken, apiKeys, proxies, onHit, lean, gate, limiter, formatError: formatForClient, operations } = options;
  const contextOf = httpContext({ verifyToken, apiKeys, proxies });
  /** Apollo Server's query hash (SHA-256 of the text), which keys the gateway's query plans; once per document. */
  const queryHashes = new WeakMap<object, string>();
  let open = true;
  /** Keys of public answers being fetched again, settled when that request's response is done. */
  const refreshing = new Map<string, Promise<void>>();

  /** The caller when the credentials are good; rejects as the context would (the pipeline then answers). */
  const checkCredentials = async (req: IncomingMessage): Promise<Viewer | null> => {
    const apiKey = apiKeyOf(req.headers);
    const authorization = await requestAuthorization(
      apiKeys,
      apiKey,
      req.headers.authorization || undefined,
      apiKey ? clientIp(req, proxies) : undefined,
    );
    return verifyToken(authorization);
  };

  /** Writes a refusal (limits: query-gate.ts, rate-limits.ts) with its status and headers. */
  const refuse = (req: IncomingMessage, res: ServerResponse, refused: GraphQLError, contentType: string) => {
    const reqId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    operations?.record({ name: undefined, type: 'unknown', seconds: secondsSince(receivedAt(req)), errors: [refused], reqId });
    const head = refused.extensions.http as { headers?: Map<string, string> } | undefined;
    const headers: [string, string][] = head?.headers ? [...head.headers] : [];
    writeAnswer(res, { status: statusOf(refused), headers, reqId, cacheControl: 'no-store', contentType, bytes: refusalBody(refused) });
  };

  /** Takes the request's points from its caller's rate limits; the refusal when one is used up. */
  const overRateLimit = async (req: IncomingMessage, request: CacheableRequest, viewer: Viewer | null, ip: string | undefined) => {
    if (!limiter) return null;
    const admission = gate.admission(request.query, request.operationName, request.variables);
    if (!admission) return null;
    return limiter.admit({ viewer, clientIp: ip }, admission.operation, admission.cost);
  };

  const answer = (req: IncomingMessage, res: ServerResponse, request: CacheableRequest, contentType: string, key: string) => {
    // Looked up again: the entry may have expired or gone stale while credentials were checked.
    const cached = cache.lookup(key);
    if (!cached || !open) return app(req, res);
    const reqId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    logger.info({ reqId, op: 'query', operationName: request.operationName }, 'request');
    operations?.record({
      name: operations.nameOf(request.query, request.operationName),
      type: 'query',
      seconds: secondsSince(receivedAt(req)),
      reqId,
    });
    const { bytes, etag } = PublicResponseCache.body(cached.entry);
    writeAnswer(res, { status: 200, headers: [], reqId, cacheControl: `max-age=${cached.maxAge}, public`, contentType, bytes, etag });
    onHit?.();
  };

  /**
   * An ordinary query or mutation without express and Apollo Server's request pipeline: the
   * document parsed and validated once per text, the context made by the same function, the
   * gateway's executor called with the request context it needs, and the answer written as the
   * pipeline writes it (errors formatted alike, cache-control from the subgraphs' hints, the
   * response cache filled for queries, the request logged). Mutations advance the write epochs
   * in the data source as before. Whatever it does not handle — subscriptions, parse or
   * validation errors, refused credentials, request-level errors such as bad variables, a query
   * whose executor throws — the pipeline answers, so those answers stay exactly what they were.
   * A mutation whose executor throws is answered here, as the pipeline would (it may already
   * have reached a subgraph, so it never runs twice).
   */
  const leanQuery = async (req: IncomingMessage, res: ServerResponse, request: CacheableRequest, contentType: string, key: string | null) => {
    if (!lean) return app(req, res);
    const prepared = lean.documents.get(request.query);
    if ('errors' in prepared) return app(req, res);
    const { document } = prepared;
    const operation = getOperationAST(document, request.operationName);
    if (!operation || operation.operation === 'subscription') return app(req, res);
    // A mutation that reached a subgraph must never run a second time through the pipeline.
    const isMutation = operation.operation === 'mutation';
    let contextValue: GatewayContext;
    try {
      contextValue = await contextOf(req);
    } catch {
      return app(req, res);
    }
    const limited = await overRateLimit(req, request, contextValue.viewer, contextValue.clientIp);
    if (limited) return refuse(req, res, limited, contentType);
    // A mutation one subgraph answers whole: sent straight to it. Its answer is written here when
    // it is plain data; anything else the executor shapes from the response already received.
    let replay: FetcherResponse | Error | undefined;
    const forwarder = isMutation ? lean.forwarder : undefined;
    const route = forwarder?.route(document, operation, request.operationName);
    if (forwarder && route && forwarder.variablesCoerce(operation, request.variables)) {
      const outcome = await forwarder.send(route, contextValue, request.variables);
      if ('bytes' in outcome) {
        logger.info({ reqId: contextValue.reqId, op: 'mutation', operationName: request.operationName }, 'request');
        operations?.record({
          name: operation.name?.value ?? null,
          type: 'mutation',
          seconds: secondsSince(receivedAt(req)),
          reqId: contextValue.reqId,
        });
        writeAnswer(res, { status: 200, headers: [], reqId: contextValue.reqId, cacheControl: 'no-store', contentType, bytes: outcome.bytes });
        lean.onAnswer?.();
        lean.onForward?.();
        return;
      }
      replay = outcome.replay;
    }
    let queryHash = queryHashes.get(document);
    if (queryHash === undefined) queryHashes.set(document, (queryHash = createHash('sha256').update(request.query).digest('hex')));
    const overallCachePolicy = newCachePolicy();
    const response = { http: { headers: new NodeHeaders(), status: undefined as number | undefined } };
    const requestContext = {
      request: {
        query: request.query,
        operationName: request.operationName,
        variables: request.variables,
        extensions: undefined,
        http: { method: 'POST', url: 'https://unknown-url.invalid/', headers: new NodeHeaders(req.headers) },
      },
      response,
      logger: lean.apolloLogger,
      schema: lean.schema,
      schemaHash: 'schemaHash no longer exists since Apollo Server 4',
      context: contextValue,
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
    let threw = false;
    try {
      result = replay
        ? await withReplayedResponse(contextValue, replay, () => lean.executor(requestContext))
        : await lean.executor(requestContext);
    } catch (error) {
      if (!isMutation) return app(req, res);
      // The mutation may have reached a subgraph, so it is answered here as the pipeline answers
      // an executor that throws (the error formatted, status 500 unless it says otherwise).
      result = { errors: [error instanceof GraphQLError ? error : new GraphQLError((error as Error)?.message ?? String(error))] };
      threw = true;
    }
    // Errors without data are the request's own (variables that do not coerce), found before
    // anything was fetched — for mutations too — and the pipeline words and codes them
    // (BAD_USER_INPUT, HTTP 400).
    if (!threw && result.errors && result.data === undefined) return app(req, res);
    if (!open && !isMutation) return app(req, res);
    logger.info({ reqId: contextValue.reqId, op: operation.operation, operationName: request.operationName }, 'request');

    const http: { status?: number; headers: [string, string][] } = threw
      ? { status: undefined, headers: [] }
      : { status: response.http.status, headers: [...response.http.headers] };
    const errors = result.errors?.map((error) => formatForClient(formatError(error, http), error));
    operations?.record({
      name: operation.name?.value ?? null,
      type: operation.operation,
      seconds: secondsSince(receivedAt(req)),
      errors,
      reqId: contextValue.reqId,
    });
    const policy = isMutation ? null : overallCachePolicy.policyIfCacheable();
    const singleResult = { ...result, errors };
    if (policy && policy.scope === 'PUBLIC' && !errors?.length && key !== null) {
      cache.store(key, singleResult, policy.maxAge, epochsTouchedBy(contextValue));
    }
    writeAnswer(res, {
      status: http.status ?? (threw ? 500 : 200),
      headers: http.headers,
      reqId: contextValue.reqId,
      cacheControl: policy && !errors ? `max-age=${policy.maxAge}, ${policy.scope.toLowerCase()}` : 'no-store',
      contentType,
      bytes: Buffer.from(`${JSON.stringify({ errors, data: result.data, extensions: result.extensions })}\n`, 'utf8'),
    });
    lean.onAnswer?.();
  };

  const withBody = (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    // express.json leaves a request whose body was already read alone, and keeps this one.
    (req as IncomingMessage & { body?: unknown }).body = body;
    const request = open ? cacheableRequest(body) : null;
    const contentType = CONTENT_TYPE_FOR_ACCEPT.get(req.headers.accept ?? '');
    if (!request || contentType === undefined) return app(req, res);
    // Refused before a cache key or a plan is made of it (deep variables, limits: query-gate.ts).
    const refused = gate.check(request.query, request.operationName, request.variables);
    if (refused) return refuse(req, res, refused, contentType);
    const runLean = (key: string | null) =>
      void leanQuery(req, res, request, contentType, key).catch((error: unknown) => {
        logger.error({ err: error }, 'lean query path failed');
        if (!res.headersSent) app(req, res);
      });
    // A mutation is never answered from the cache: no key to make, nothing to look up. (A text
    // that starts otherwise, or a mutation picked by operationName, takes the cache path, which
    // finds nothing for it and stores nothing from it.)
    if (isMutationText(request.query)) return runLean(null);
    const key = PublicResponseCache.key(request.query, request.operationName, request.variables);
    const serve = () =>
      checkCredentials(req).then(
        async (viewer) => {
          const limited = await overRateLimit(req, request, viewer, clientIp(req, proxies));
          if (limited) refuse(req, res, limited, contentType);
          else answer(req, res, request, contentType, key);
        },
        () => app(req, res),
      ).catch((error: unknown) => answerInternalError(res, error));
    if (cache.lookup(key)) return serve();
    // A public answer that just expired is asked for by many callers at once: one of them goes
    // through the pipeline and stores it again, the others wait for that and are then served
    // from the cache (or take the pipeline themselves, should it not have been stored, or a
    // write have made it stale meanwhile: the lookup checks epochs again).
    const pending = refreshing.get(key);
    if (pending) return void pending.then(serve);
    if (cache.wasCached(key)) {
      const done = new Promise<void>((resolve) => res.once('close', resolve));
      refreshing.set(key, done);
      void done.then(() => refreshing.delete(key));
    }
    runLean(key);
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    markReceived(req);
    const length = open ? readableLength(req) : null;
    if (length === null) return app(req, res);
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      try {
        readChunk(chunk);
      } catch (error) {
        // Nothing a client sends may end the process: whatever threw is logged and answered.
        req.off('data', onData);
        answerInternalError(res, error);
      }
    };
    const readChunk = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < length) return;
      req.off('data', onData);
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
      const body = parseJson(raw);
      if (body === undefined) {
        // Not JSON this path understands: put the bytes back before the stream ends, so
        // express.json reads them as if nobody had, and answers (or refuses) as it always has.
        req.pause();
        req.unshift(raw);
        // Neither flowing nor paused: express.json's 'data' listener starts the flow again.
        (req as { readableFlowing: boolean | null }).readableFlowing = null;
        app(req, res);
        return;
      }
      // express.json skips a request once its stream has ended.
      if (req.readableEnded) withBodyOrAnswer(req, res, body);
      else req.once('end', () => withBodyOrAnswer(req, res, body));
    };
    req.on('data', onData);
  };

  const answerInternalError = (res: ServerResponse, error: unknown) => {
    const formatted = formatForClient({ message: 'Internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error);
    if (res.headersSent) return void res.destroy();
    const bytes = Buffer.from(`${JSON.stringify({ errors: [formatted] })}\n`, 'utf8');
    res.writeHead(500, { 'Content-Type': APPLICATION_JSON, 'Content-Length': String(bytes.length), 'cache-control': 'no-store' });
    res.end(bytes);
  };
  const withBodyOrAnswer = (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    try {
      withBody(req, res, body);
    } catch (error) {
      answerInternalError(res, error);
    }
  };

  return Object.assign(handler, {
    /** From now on everything takes the ordinary path (the server is stopping). */
    close() {
      open = false;
    },
  });
}
