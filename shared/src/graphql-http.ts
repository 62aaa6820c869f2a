import type http from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import getRawBody from 'raw-body';
import { requestTracing } from './tracing';

/**
 * What a request's context is made from: its headers and the socket it came on. For a request
 * inside a batch (serveGraphQLBatch) the headers are that request's own and the socket the batch's.
 */
export type RequestHead = Pick<http.IncomingMessage, 'headers'> & { socket?: { remoteAddress?: string } };

/**
 * Gateway → subgraph batching. A gateway that has several requests for one subgraph at the same
 * moment (callers whose requests arrived together) may send them as one POST to this path
 * instead of one POST each, so the per-request HTTP work on both sides (a request and a
 * response head parsed and written, a read and a write on the socket) is paid once per batch.
 * Each request keeps its own headers — credentials, request id, the caller's address and agent —
 * and is executed exactly as if it had come alone: its own context, token check and answer. A
 * batch is no more trusted than the requests in it would be one by one.
 */
export const SUBGRAPH_BATCH_PATH = '/graphql/batch';
/** The most requests one batch may carry. */
export const SUBGRAPH_BATCH_MAX = 256;

/** The body of a batch: each request's headers (lower-case names) and its ordinary GraphQL POST body. */
export interface SubgraphBatchRequest {
  requests: { headers: Record<string, string>; body: unknown }[];
}

/**
 * One line of a batch's answer (`application/x-ndjson`): the answer to the request at `index`,
 * its status, headers and body as it would have come alone. Answers leave as they are ready
 * (those ready together in one write), so a slow request does not hold back the others.
 */
export interface SubgraphBatchAnswer {
  index: number;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const SUBGRAPH_BATCH_ANSWER_TYPE = 'application/x-ndjson; charset=utf-8';

/** The most a GraphQL request body may hold (as `express.json({ limit: '1mb' })` allowed). */
export const GRAPHQL_BODY_LIMIT = 1024 * 1024;

/**
 * Whether `req` is an ordinary GraphQL POST that `serveGraphQLPost` takes: exactly `/graphql`,
 * a JSON body in UTF-8, not compressed, with a declared length within the limit. Anything else
 * (GET, the landing page, other charsets, compressed or chunked bodies, oversized bodies) keeps
 * going through express, whose body parser answers those cases as it always has.
 */
export function isPlainGraphQLPost(req: http.IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  if (url !== '/graphql' && !url.startsWith('/graphql?')) return false;
  return hasPlainJsonBody(req);
}

/** Whether `req` is a batch of GraphQL requests from the gateway for `serveGraphQLBatch` (see SUBGRAPH_BATCH_PATH). */
export function isGraphQLBatchPost(req: http.IncomingMessage): boolean {
  return req.method === 'POST' && req.url === SUBGRAPH_BATCH_PATH && hasPlainJsonBody(req);
}

/** A JSON body in UTF-8, not compressed, with a declared length within the limit. */
function hasPlainJsonBody(req: http.IncomingMessage): boolean {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const length = req.headers['content-length'];
  if (length === undefined || !/^\d+$/.test(length) || Number(length) > GRAPHQL_BODY_LIMIT) return false;
  const type = req.headers['content-type'];
  if (!type) return false;
  const [media, ...params] = type.split(';').map((part) => part.trim().toLowerCase());
  if (media !== 'application/json') return false;
  return params.every((param) => !param.startsWith('charset=') || param === 'charset=utf-8' || param === 'charset="utf-8"');
}

/**
 * The body as text (raw-body: exactly the declared length, never more than the limit). Decoded
 * here rather than by raw-body, whose decoder would drop a byte-order mark that JSON.parse refuses.
 */
function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    getRawBody(req, { length: req.headers['content-length'], limit: GRAPHQL_BODY_LIMIT }, (error, body) => {
      if (error) reject(error);
      else resolve(body.toString('utf8'));
    });
  });
}

function badRequest(res: http.ServerResponse, message: string): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
  res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The request's JSON body; or, when it cannot be read or is not JSON, undefined and a 400 answer sent. */
async function readJsonBody(req: http.IncomingMessage, res: http.ServerResponse): Promise<{ body: unknown } | undefined> {
  let text: string;
  try {
    text = await readBody(req);
  } catch {
    if (!res.headersSent) badRequest(res, 'The request body could not be read');
    return undefined;
  }
  const parsed = parseBody(text);
  if ('error' in parsed) {
    badRequest(res, parsed.error);
    return undefined;
  }
  return parsed;
}

/** Parses a request body as express.json does in strict mode: an empty body is `{}`, and only an object or array is JSON. */
function parseBody(text: string): { body: unknown } | { error: string } {
  const first = text.trimStart()[0];
  if (first === undefined) return { body: {} };
  if (first !== '{' && first !== '[') return { error: 'The request body must be a JSON object' };
  try {
    return { body: JSON.parse(text) };
  } catch {
    return { error: 'The request body is not valid JSON' };
  }
}

function headerMapOf(headers: http.IncomingHttpHeaders | Record<string, string>): HeaderMap {
  const map = new HeaderMap();
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) map.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return map;
}

/**
 * Serves a GraphQL POST straight from node:http into Apollo Server, without express's router,
 * body parser and `res.send` (which also hashed every answer for an ETag no caller uses): the
 * same request reaches `executeHTTPGraphQLRequest` as through `@as-integrations/express5`, and
 * its status, headers and body go back unchanged. Every subgraph request takes this path, so
 * the per-request layers cost CPU on every entity fetch of every gateway query.
 */
export async function serveGraphQLPost<Context extends BaseContext>(
  apollo: ApolloServer<Context>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  context: (req: RequestHead) => Promise<Context>,
): Promise<void> {
  const parsed = await readJsonBody(req, res);
  if (!parsed) return;
  const url = req.url ?? '';
  const query = url.indexOf('?');
  try {
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers: headerMapOf(req.headers), search: query < 0 ? '' : url.slice(query), body: parsed.body },
      context: () => context(req),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.setHeader('content-length', Buffer.byteLength(response.body.string));
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  } catch {
    if (!res.headersSent) {
      res.statusCode = 500;
      res.end();
    } else res.destroy();
  }
}

/** The requests of a batch body, or a message saying what is wrong with it. */
function batchRequestsOf(body: unknown): SubgraphBatchRequest['requests'] | string {
  const requests = (body as Partial<SubgraphBatchRequest> | null)?.requests;
  if (!Array.isArray(requests) || requests.length === 0) return 'A batch needs a non-empty `requests` array';
  if (requests.length > SUBGRAPH_BATCH_MAX) return `A batch may carry at most ${SUBGRAPH_BATCH_MAX} requests`;
  for (const request of requests as unknown[]) {
    const { headers, body: requestBody } = (request ?? {}) as { headers?: unknown; body?: unknown };
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return 'Each batched request needs a `headers` object';
    if (Object.values(headers).some((value) => typeof value !== 'string')) return 'Batched request headers must be strings';
    if (typeof requestBody !== 'object' || requestBody === null) return 'Each batched request needs a `body` object';
  }
  return requests as SubgraphBatchRequest['requests'];
}

/**
 * Serves a batch (see SUBGRAPH_BATCH_PATH): each request runs through Apollo Server as
 * `serveGraphQLPost` would run it alone, all at once, and each answer goes back as soon as it is
 * ready, one line each (SubgraphBatchAnswer). A request's context is made from its own headers
 * and the batch's socket, so its credentials are checked, and its caller's address judged,
 * exactly as for a request of its own. A batch that is not one (bad JSON, wrong shape, too many
 * requests) is refused whole with 400 and runs nothing.
 */
export async function serveGraphQLBatch<Context extends BaseContext>(
  apollo: ApolloServer<Context>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  context: (req: RequestHead) => Promise<Context>,
): Promise<void> {
  const parsed = await readJsonBody(req, res);
  if (!parsed) return;
  const requests = batchRequestsOf(parsed.body);
  if (typeof requests === 'string') return badRequest(res, requests);
  res.writeHead(200, { 'content-type': SUBGRAPH_BATCH_ANSWER_TYPE });
  // Answers ready in the same turn of the event loop leave in one write.
  let ready: string[] = [];
  const writeReady = () => {
    if (ready.length === 0) return;
    res.write(ready.join(''));
    ready = [];
  };
  // With tracing on, each request runs in a span of the trace its own headers carry.
  const tracing = requestTracing();
  await Promise.all(
    requests.map(async ({ headers, body }, index) => {
      const answer = tracing
        ? await tracing.serveBatched(headers, () => runBatched(apollo, req, headers, body, context))
        : await runBatched(apollo, req, headers, body, context);
      if (ready.length === 0) setImmediate(writeReady);
      ready.push(`${JSON.stringify({ index, ...answer } satisfies SubgraphBatchAnswer)}\n`);
    }),
  );
  writeReady();
  res.end();
}

/** One request of a batch, run as `serveGraphQLPost` would run it alone. */
async function runBatched<Context extends BaseContext>(
  apollo: ApolloServer<Context>,
  req: http.IncomingMessage,
  headers: Record<string, string>,
  body: unknown,
  context: (req: RequestHead) => Promise<Context>,
): Promise<Omit<SubgraphBatchAnswer, 'index'>> {
  // The request's own head, as the context sees it; content-type as the batch was checked for.
  const head: RequestHead = { headers: { ...headers, 'content-type': 'application/json' }, socket: req.socket };
  try {
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers: headerMapOf(head.headers as Record<string, string>), search: '', body },
      context: () => context(head),
    });
    // Incremental delivery (@defer) streams; inside a batch an answer is whole, so those are read to the end.
    let string = '';
    if (response.body.kind === 'complete') string = response.body.string;
    else for await (const chunk of response.body.asyncIterator) string += chunk;
    return { status: response.status ?? 200, headers: Object.fromEntries(response.headers), body: string };
  } catch {
    return { status: 500, headers: {}, body: '' };
  }
}
