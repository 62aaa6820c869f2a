import type http from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';

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

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > GRAPHQL_BODY_LIMIT) reject(new Error('body over the limit'));
      else resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function badRequest(res: http.ServerResponse, message: string): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
  res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
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
  context: (req: http.IncomingMessage) => Promise<Context>,
): Promise<void> {
  let text: string;
  try {
    text = await readBody(req);
  } catch {
    if (!res.headersSent) badRequest(res, 'The request body could not be read');
    return;
  }
  let body: unknown;
  // As express.json in strict mode: an empty body is `{}`, and only an object or array is JSON.
  const first = text.trimStart()[0];
  if (first === undefined) body = {};
  else if (first !== '{' && first !== '[') return badRequest(res, 'The request body must be a JSON object');
  else {
    try {
      body = JSON.parse(text);
    } catch {
      return badRequest(res, 'The request body is not valid JSON');
    }
  }
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = req.url ?? '';
  const query = url.indexOf('?');
  try {
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search: query < 0 ? '' : url.slice(query), body },
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
