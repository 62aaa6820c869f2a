import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import { REQUEST_ID_HEADER, requestIdFrom, type Logger } from '@tradegraph/shared';
import { PublicResponseCache } from '../cache/response-cache';
import { epochsTouchedBy } from '../cache/public-cache';
import type { GatewayContext } from '../context';
import { isMutationText } from '../execution/fetcher';
import type { LeanExecution, LeanRequest } from '../execution/lean';
import { refusalBody, statusOf, type QueryGate } from '../limits/query-gate';
import type { RequestRateLimiter } from '../limits/rate-limits';
import { markReceived, receivedAt, secondsSince, type OperationMetrics } from '../ops/operation-metrics';
import { CONTENT_TYPE_FOR_ACCEPT, formatExecutionError, writeAnswer, writeInternalError, type Answer } from './answers';
import type { ResponseCompression } from './compression';
import type { CachedBody } from '../cache/response-cache';
import { fastPathBodyLength, readJsonBody } from './request-body';

/**
 * The fast path for `POST /graphql`: cached public answers, and ordinary queries and mutations,
 * answered before express and Apollo Server's request pipeline.
 *
 * A cached public answer (a market's price, the market list) is a few hundred bytes from memory,
 * but through express, express.json and Apollo Server's request pipeline (plugins, document
 * store, context, serialization) each hit cost about 0.5 ms of CPU. This handler sits in front of
 * the express app and takes each request in three steps:
 * - read: the body, when it is a small plain JSON POST to /graphql (request-body.ts);
 * - classify: what the body asks for — refused by the limits, a live entry of the public cache,
 *   an answer being fetched again by another caller, or a query or mutation to run;
 * - serve: the caller authenticated exactly as Apollo Server's context does (http-context.ts),
 *   rate-limited alike, and the answer written with the headers the pipeline would send.
 * Whatever a step does not handle — another method, path or body, an unusual Accept header, a
 * credential that does not check out, a text that does not validate, a subscription, errors the
 * pipeline words itself — comes back to ONE place, which hands the request to the express app
 * (the pipeline) with the body already read, so it answers as it always has, errors included.
 */
export interface FastPathOptions {
  /** The express app: everything the fast path does not answer. */
  app: RequestListener;
  cache: PublicResponseCache;
  logger: Logger;
  /** The context of an HTTP request, the same function Apollo Server's context is (http-context.ts). */
  contextOf: (req: IncomingMessage) => Promise<GatewayContext>;
  /** Called for each request answered from the cache (a metric). */
  onHit?: () => void;
  /** Admits requests (input, size and cost limits) before anything else is made of them. */
  gate: QueryGate;
  /** Request rate limits per caller (limits/rate-limits.ts); null when off. */
  limiter: RequestRateLimiter | null;
  /** What clients see of an error (internal details masked): the same function Apollo Server formats with. */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Per-operation figures of the operations answered here (the pipeline records its own). */
  operations?: OperationMetrics;
  /** Runs ordinary queries and mutations (execution/lean.ts), when given. Left out, every miss goes through the pipeline. */
  lean?: LeanExecution;
  /** Compresses large answers for clients that accept it (edge/compression.ts); null or left out: never. */
  compression?: ResponseCompression | null;
}

/** A request the fast path read: what the body asks for, how to answer, and what serving it found out. */
interface FastRequest extends LeanRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** The response content type the pipeline would negotiate for the request's Accept header. */
  contentType: string;
  /** The public cache's key; null for a mutation, which is never answered from the cache. */
  key: string | null;
  /** Why the limits refused it, when they did. */
  refusal: GraphQLError | null;
  /** Set once a mutation may have reached a subgraph: from then on the request never goes to the pipeline. */
  committed: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** graphql-sse's stream token (TOKEN_HEADER_KEY there): its operations go to subscriptions/http-streams.ts. */
const EVENT_STREAM_TOKEN_HEADER = 'x-graphql-event-stream-token';

/** What a request is, once read. */
const enum Kind {
  /** Refused by the limits (query-gate.ts) before a cache key or a plan is made of it. */
  Refused,
  /** A live public answer in the cache. */
  Cached,
  /** A public answer another caller is fetching again right now: served from the cache once it is in. */
  Refreshing,
  /** A query or mutation to run. */
  Execute,
}

/** Tells the one fallback point (`respond`) to hand the request to the pipeline. */
const PIPELINE = false;
/** The request was answered here. */
const ANSWERED = true;

export function graphqlFastPath(options: FastPathOptions): RequestListener & { close(): void } {
  const { app, cache, logger, contextOf, onHit, lean, gate, limiter, formatError: formatForClient, operations } = options;
  const compression = options.compression ?? null;
  let open = true;
  /** Keys of public answers being fetched again, settled when that request's response is done. */
  const refreshing = new Map<string, Promise<void>>();

  // ---- read ---------------------------------------------------------------------------------

  /**
   * The request, when its body is one Apollo Server would run as it is and its Accept header
   * one whose answer the fast path writes; null for anything it would refuse or treat specially.
   */
  const read = (req: IncomingMessage, res: ServerResponse, body: object): FastRequest | null => {
    if (!isRecord(body) || typeof body.query !== 'string') return null;
    const { query, operationName, variables, extensions } = body;
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
    if (variables !== undefined && variables !== null && !isRecord(variables)) return null;
    if (extensions !== undefined && extensions !== null) return null;
    const contentType = CONTENT_TYPE_FOR_ACCEPT.get(req.headers.accept ?? '');
    if (contentType === undefined) return null;
    // An operation for a graphql-sse stream (single-connection mode) is answered on that stream.
    if (req.headers[EVENT_STREAM_TOKEN_HEADER] !== undefined) return null;
    return {
      req,
      res,
      query,
      operationName: typeof operationName === 'string' ? operationName : undefined,
      variables: isRecord(variables) ? variables : undefined,
      contentType,
      key: null,
      refusal: null,
      committed: false,
    };
  };

  // ---- write --------------------------------------------------------------------------------

  /**
   * Writes an answer, compressed when it is at least the threshold and the client accepts an
   * encoding (one comparison for the small answers that are most of them). A cached answer keeps
   * its compressed forms in `variants`, so a public answer is compressed once per encoding.
   */
  const send = (request: FastRequest, answer: Answer, variants?: CachedBody): void => {
    if (compression === null || answer.bytes.length < compression.threshold) return writeAnswer(request.res, answer);
    answer.varies = true;
    const encoding = compression.encodingFor(request.req);
    if (encoding === null) return writeAnswer(request.res, answer);
    // The (weak) ETag names the content, whatever its encoding.
    const etag = answer.etag ?? PublicResponseCache.etag(answer.bytes);
    let compressed = variants?.[encoding];
    if (!compressed) {
      compressed = compression.compress(answer.bytes, encoding);
      if (variants) variants[encoding] = compressed;
    }
    compressed.then(
      (bytes) => writeAnswer(request.res, { ...answer, etag, bytes, encoding }),
      (error: unknown) => {
        logger.error({ err: error }, 'compression failed');
        if (variants) delete variants[encoding];
        writeAnswer(request.res, { ...answer, etag });
      },
    );
  };

  // ---- classify -----------------------------------------------------------------------------

  const classify = (request: FastRequest): Kind => {
    // Refused before a cache key or a plan is made of it (deep variables, limits: query-gate.ts).
    request.refusal = gate.check(request.query, request.operationName, request.variables);
    if (request.refusal) return Kind.Refused;
    // A mutation is never answered from the cache: no key to make, nothing to look up. (A text
    // that starts otherwise, or a mutation picked by operationName, takes the cache path, which
    // finds nothing for it and stores nothing from it.)
    if (isMutationText(request.query)) return Kind.Execute;
    const key = (request.key = PublicResponseCache.key(request.query, request.operationName, request.variables));
    if (cache.lookup(key)) return Kind.Cached;
    if (refreshing.has(key)) return Kind.Refreshing;
    return Kind.Execute;
  };

  // ---- serve --------------------------------------------------------------------------------

  /** Writes a refusal (limits: query-gate.ts, rate-limits.ts) with its status and headers. */
  const refuse = (request: FastRequest, refused: GraphQLError, reqId: string): boolean => {
    operations?.record({ name: undefined, type: 'unknown', seconds: secondsSince(receivedAt(request.req)), errors: [refused], reqId });
    const head = refused.extensions.http as { headers?: Map<string, string> } | undefined;
    const headers: [string, string][] = head?.headers ? [...head.headers] : [];
    const bytes = refusalBody(refused);
    send(request, { status: statusOf(refused), headers, reqId, cacheControl: 'no-store', contentType: request.contentType, bytes });
    return ANSWERED;
  };

  /** Takes the request's points from its caller's rate limits; the refusal when one is used up. */
  const overRateLimit = async (request: FastRequest, context: GatewayContext) => {
    if (!limiter) return null;
    const admission = gate.admission(request.query, request.operationName, request.variables);
    if (!admission) return null;
    return limiter.admit(context, admission.operation, admission.cost);
  };

  /** The caller's context, or null when its credentials are refused (the pipeline then words the refusal). */
  const authenticated = async (request: FastRequest): Promise<GatewayContext | null> => {
    try {
      return await contextOf(request.req);
    } catch {
      return null;
    }
  };

  /** A live public answer: the caller checked and rate-limited, then the stored bytes. */
  const serveCached = async (request: FastRequest): Promise<boolean> => {
    const context = await authenticated(request);
    if (!context) return PIPELINE;
    const limited = await overRateLimit(request, context);
    if (limited) return refuse(request, limited, context.reqId);
    // Looked up again: the entry may have expired or gone stale while credentials were checked.
    const cached = cache.lookup(request.key as string);
    if (!cached || !open) return PIPELINE;
    logger.info({ reqId: context.reqId, op: 'query', operationName: request.operationName }, 'request');
    operations?.record({
      name: operations.nameOf(request.query, request.operationName),
      type: 'query',
      seconds: secondsSince(receivedAt(request.req)),
      reqId: context.reqId,
    });
    const body = PublicResponseCache.body(cached.entry);
    const cacheControl = `max-age=${cached.maxAge}, public`;
    send(request, { status: 200, headers: [], reqId: context.reqId, cacheControl, contentType: request.contentType, bytes: body.bytes, etag: body.etag }, body);
    onHit?.();
    return ANSWERED;
  };

  /**
   * A query or mutation run without express and Apollo Server's pipeline (execution/lean.ts),
   * answered as the pipeline answers it: errors formatted alike, cache-control from the
   * subgraphs' hints, the response cache filled for public queries, the request logged.
   */
  const execute = async (request: FastRequest): Promise<boolean> => {
    if (!lean || !lean.prepare(request)) return PIPELINE;
    const context = await authenticated(request);
    if (!context) return PIPELINE;
    const limited = await overRateLimit(request, context);
    if (limited) return refuse(request, limited, context.reqId);
    const operation = request.operation!;
    const isMutation = operation.operation === 'mutation';
    // A mutation that reached a subgraph must never run a second time through the pipeline.
    request.committed = isMutation;
    const outcome = await lean.run(request, context, request.req.headers);
    if (!outcome) return PIPELINE;
    if (!open && !isMutation) return PIPELINE;
    const { reqId } = context;
    const operationName = operation.name?.value ?? null;
    logger.info({ reqId, op: operation.operation, operationName: request.operationName }, 'request');
    if ('forwarded' in outcome) {
      operations?.record({ name: operationName, type: 'mutation', seconds: secondsSince(receivedAt(request.req)), reqId });
      send(request, { status: 200, headers: [], reqId, cacheControl: 'no-store', contentType: request.contentType, bytes: outcome.forwarded });
      lean.options.onAnswer?.();
      return ANSWERED;
    }
    const { result, http, threw, cachePolicy: policy } = outcome;
    const errors = result.errors?.map((error) => formatForClient(formatExecutionError(error, http), error));
    operations?.record({ name: operationName, type: operation.operation, seconds: secondsSince(receivedAt(request.req)), errors, reqId });
    if (policy && policy.scope === 'PUBLIC' && !errors?.length && request.key !== null) {
      cache.store(request.key, { ...result, errors }, policy.maxAge, epochsTouchedBy(context));
    }
    send(request, {
      status: http.status ?? (threw ? 500 : 200),
      headers: http.headers,
      reqId,
      cacheControl: policy && !errors ? `max-age=${policy.maxAge}, ${policy.scope.toLowerCase()}` : 'no-store',
      contentType: request.contentType,
      bytes: Buffer.from(`${JSON.stringify({ errors, data: result.data, extensions: result.extensions })}\n`, 'utf8'),
    });
    lean.options.onAnswer?.();
    return ANSWERED;
  };

  /**
   * A public answer that just expired is asked for by many callers at once: one of them goes
   * through execution and stores it again, the others wait for that and are then served from the
   * cache (or take the pipeline themselves, should it not have been stored, or a write have made
   * it stale meanwhile: the lookup checks epochs again).
   */
  const refresh = (request: FastRequest): Promise<boolean> => {
    const key = request.key as string;
    if (cache.wasCached(key)) {
      const done = new Promise<void>((resolve) => request.res.once('close', resolve));
      refreshing.set(key, done);
      void done.then(() => refreshing.delete(key));
    }
    return execute(request);
  };

  const serve = (request: FastRequest, kind: Kind): Promise<boolean> | boolean => {
    switch (kind) {
      case Kind.Refused:
        return refuse(request, request.refusal as GraphQLError, requestIdFrom(request.req.headers[REQUEST_ID_HEADER]));
      case Kind.Cached:
        return serveCached(request);
      case Kind.Refreshing:
        return (refreshing.get(request.key as string) as Promise<void>).then(() => serveCached(request));
      default:
        return request.key === null ? execute(request) : refresh(request);
    }
  };

  // ---- the one fallback point ---------------------------------------------------------------

  /**
   * read → classify → serve. Whatever a step does not answer goes to the pipeline here, and only
   * here. Nothing a client sends may end the process: whatever throws is logged, and the pipeline
   * answers — unless a mutation may already have reached a subgraph (it must never run twice) or
   * an answer has begun, when it is answered as an internal error.
   */
  const respond = async (req: IncomingMessage, res: ServerResponse, body: object | null): Promise<void> => {
    let request: FastRequest | null = null;
    try {
      request = body && open ? read(req, res, body) : null;
      if (request && (await serve(request, classify(request)))) return;
    } catch (error) {
      logger.error({ err: error }, 'fast path failed');
      if (request?.committed || res.headersSent) return writeInternalError(res, error, formatForClient);
    }
    app(req, res);
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    markReceived(req);
    const length = open ? fastPathBodyLength(req) : null;
    // Not a request this path reads (another method or path, a large, compressed or non-JSON
    // body): the pipeline gets it whole, its body unread.
    if (length === null) return app(req, res);
    readJsonBody(req, length, (body) => void respond(req, res, body));
  };

  return Object.assign(handler, {
    /** From now on everything takes the ordinary path (the server is stopping). */
    close() {
      open = false;
    },
  });
}
