import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { BlockList } from 'node:net';
import { REQUEST_ID_HEADER, clientIp, requestIdFrom, type Logger, type TokenVerifier } from '@tradegraph/shared';
import { ApiKeyExchange, apiKeyOf, requestAuthorization } from './api-keys';
import { PublicResponseCache } from './response-cache';

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

export function graphqlFastPath(options: FastPathOptions): RequestListener & { close(): void } {
  const { app, cache, logger, verifyToken, apiKeys, proxies, onHit } = options;
  let open = true;
  /** Keys of public answers being fetched again, settled when that request's response is done. */
  const refreshing = new Map<string, Promise<void>>();

  /** Resolves when the credentials are good; rejects as the context would (the pipeline then answers). */
  const checkCredentials = async (req: IncomingMessage): Promise<void> => {
    const apiKey = apiKeyOf(req.headers);
    const authorization = await requestAuthorization(
      apiKeys,
      apiKey,
      req.headers.authorization || undefined,
      apiKey ? clientIp(req, proxies) : undefined,
    );
    await verifyToken(authorization);
  };

  const answer = (req: IncomingMessage, res: ServerResponse, request: CacheableRequest, contentType: string, key: string) => {
    // Looked up again: the entry may have expired or gone stale while credentials were checked.
    const cached = cache.lookup(key);
    if (!cached || !open) return app(req, res);
    const reqId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    logger.info({ reqId, op: 'query', operationName: request.operationName }, 'request');
    const { bytes, etag } = PublicResponseCache.body(cached.entry);
    // The headers, in the order and spelling, of Apollo Server's answer through express.
    res.statusCode = 200;
    res.setHeader(REQUEST_ID_HEADER, reqId);
    res.setHeader('cache-control', `max-age=${cached.maxAge}, public`);
    res.setHeader('Content-Type', contentType);
    res.setHeader('Content-Length', String(bytes.length));
    res.setHeader('ETag', etag);
    res.end(bytes);
    onHit?.();
  };

  const withBody = (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    // express.json leaves a request whose body was already read alone, and keeps this one.
    (req as IncomingMessage & { body?: unknown }).body = body;
    const request = open ? cacheableRequest(body) : null;
    const contentType = CONTENT_TYPE_FOR_ACCEPT.get(req.headers.accept ?? '');
    if (!request || contentType === undefined) return app(req, res);
    const key = PublicResponseCache.key(request.query, request.operationName, request.variables);
    const serve = () =>
      checkCredentials(req).then(
        () => answer(req, res, request, contentType, key),
        () => app(req, res),
      );
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
    app(req, res);
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const length = open ? readableLength(req) : null;
    if (length === null) return app(req, res);
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
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
      if (req.readableEnded) withBody(req, res, body);
      else req.once('end', () => withBody(req, res, body));
    };
    req.on('data', onData);
  };

  return Object.assign(handler, {
    /** From now on everything takes the ordinary path (the server is stopping). */
    close() {
      open = false;
    },
  });
}
