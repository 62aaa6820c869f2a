import type { IncomingHttpHeaders } from 'node:http';
import { API_KEY_HEADER } from '../auth/api-keys';

/**
 * CSRF prevention, with Apollo Server's `csrfPrevention` semantics: a request a browser would send
 * cross-origin without a preflight (GET, or a POST whose content type an HTML form can produce)
 * runs only if it carries a header that forces a preflight. The pipeline applies it through Apollo
 * Server's own option (server.ts); the subscription transports over HTTP (subscriptions/http.ts)
 * apply `csrfRefusal` below; the fast path takes only `application/json` POSTs, which a browser
 * always preflights cross-origin. The refusal is 400 with `extensions.code` BAD_REQUEST.
 */

/**
 * Headers that force a preflight: Apollo's two, graphql-sse's stream token and the API-key header
 * (a browser never adds either by itself). Not Authorization: a browser can attach that itself
 * (HTTP authentication it remembers).
 */
export const CSRF_PREFLIGHT_HEADERS = [
  'x-apollo-operation-name',
  'apollo-require-preflight',
  'x-graphql-event-stream-token',
  API_KEY_HEADER,
];

/** Content types an HTML form (or a no-cors fetch) can send without a preflight. */
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

export const CSRF_MESSAGE =
  'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a ' +
  `'content-type' header (with a type that is not one of ${[...SIMPLE_CONTENT_TYPES].join(', ')}) or provide a ` +
  `non-empty value for one of the following headers: ${CSRF_PREFLIGHT_HEADERS.join(', ')}`;

/** True when the request could have been sent by another site's page without a preflight, and carries nothing that proves otherwise. */
export function isCsrfSuspect(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  // Other methods (PUT, DELETE) are always preflighted cross-origin.
  if (method !== 'GET' && method !== 'POST' && method !== 'HEAD') return false;
  const type = headers['content-type'];
  if (type !== undefined) {
    const essence = type.split(';', 1)[0]!.trim().toLowerCase();
    if (!SIMPLE_CONTENT_TYPES.has(essence)) return false;
  }
  return !CSRF_PREFLIGHT_HEADERS.some((name) => {
    const value = headers[name];
    return value !== undefined && value.length > 0;
  });
}
