import type { IncomingMessage } from 'node:http';
import type { BlockList } from 'node:net';
import { REQUEST_ID_HEADER, clientIp, requestIdFrom } from '@tradegraph/shared';
import { httpCredentials, type Authenticate } from '../auth/authenticate';
import type { GatewayContext } from '../context';
import { receivedAt } from '../ops/operation-metrics';

/**
 * The context of an HTTP request: the caller authenticated (auth/authenticate.ts) from its
 * headers and address (the socket, or X-Forwarded-For from a TRUSTED_PROXIES hop), its agent and
 * request id. The same function serves Apollo Server's context and the fast path, so both check a
 * caller alike; it rejects with the refusal (UNAUTHENTICATED 401, UPSTREAM_ERROR 503).
 */
export function httpContext(deps: { authenticate: Authenticate; proxies: BlockList }): (req: IncomingMessage) => Promise<GatewayContext> {
  const { authenticate, proxies } = deps;
  return async (req) => {
    const ip = clientIp(req, proxies);
    const { authorization, viewer } = await authenticate(httpCredentials(req.headers, ip));
    return {
      reqId: requestIdFrom(req.headers[REQUEST_ID_HEADER]),
      authorization,
      viewer,
      clientIp: ip,
      userAgent: req.headers['user-agent'],
      receivedAt: receivedAt(req),
    };
  };
}
