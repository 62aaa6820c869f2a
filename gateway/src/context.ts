import type { Viewer } from '@tradegraph/shared';

/**
 * What the gateway knows about a request and forwards to subgraphs: the caller's credentials
 * (verified once here, verified again by each subgraph) and the request id for the logs.
 */
export interface GatewayContext {
  reqId: string;
  authorization?: string;
  viewer: Viewer | null;
}
