import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import { REQUEST_ID_HEADER, config } from '@tradegraph/shared';
import { API_KEY_HEADER } from '../auth/api-keys';

/**
 * Headers a browser page may send cross-origin: credentials, the JSON content type, the headers
 * that satisfy CSRF prevention (csrf.ts), graphql-sse's single-connection token, the request id.
 */
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  API_KEY_HEADER,
  REQUEST_ID_HEADER,
  'x-graphql-event-stream-token',
];
/** PUT and DELETE: graphql-sse's single-connection mode reserves and ends its stream with them. */
const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];
/** What a page's script may read of an answer: the request id (for support) and Retry-After (rate limits). */
const EXPOSED_HEADERS = [REQUEST_ID_HEADER, 'retry-after'];

/**
 * Cross-origin access for browser pages on other origins (CORS_ORIGINS), through the `cors`
 * package. Returns null when no origin is configured: then nothing is added to any answer and a
 * browser allows only same-origin calls. The returned function is called only for requests that
 * carry an Origin header (browsers add it to every cross-origin request), so same-origin and
 * non-browser callers pay nothing; it answers a preflight itself (204) and returns false then,
 * or sets the CORS headers and returns true for the request to go on.
 */
export function configuredCors(settings = config()): ((req: IncomingMessage, res: ServerResponse) => boolean) | null {
  const listed = (settings.CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter((origin) => origin !== '');
  if (listed.length === 0) return null;
  const credentials = settings.CORS_CREDENTIALS === true;
  const anyOrigin = listed.includes('*');
  const middleware = cors({
    // `*` cannot go with credentials (browsers refuse it), so the caller's origin is echoed then.
    origin: anyOrigin ? (credentials ? true : '*') : listed,
    credentials,
    methods: ALLOWED_METHODS,
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: settings.CORS_MAX_AGE_SECONDS,
    optionsSuccessStatus: 204,
  });
  return (req, res) => {
    // The cors package decides synchronously for a fixed list: `next` has run (or the preflight
    // been answered) by the time it returns.
    let goOn = false;
    middleware(req as never, res as never, () => {
      goOn = true;
    });
    return goOn;
  };
}
