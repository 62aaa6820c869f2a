import type { Viewer } from '@tradegraph/shared';

/**
 * What the gateway knows about a request and forwards to subgraphs: the caller's credentials
 * (verified once here, verified again by each subgraph) and the request id for the logs.
 */
export interface GatewayContext {
  reqId: string;
  authorization?: string;
  viewer: Viewer | null;
  /** The caller's address (socket, or X-Forwarded-For from a TRUSTED_PROXIES hop), forwarded to subgraphs. */
  clientIp?: string;
  userAgent?: string;
  /** Set while the executor replays a response the gateway already received for this request (execution/datasource.ts). */
  replayId?: string;
  /** When the request (or WebSocket operation) was received, a `performance.now()` reading: operation latency starts here. */
  receivedAt?: number;
}
