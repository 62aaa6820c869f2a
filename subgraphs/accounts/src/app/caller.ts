import type { EntityManager, Logger, Viewer } from '@tradegraph/shared';
import type { AccountsLoaders } from '../infra/loaders';
import type { AccountsServices } from './services';

/**
 * What a use case needs of the request it serves: who asks, the request's unit of work, its
 * loaders and logger, the caller's address and agent, and the subgraph's services. A resolver's
 * context is one (shared SubgraphContext); routes and background work build one themselves.
 * `viewer` is writable: signing in answers the rest of the response as the signed-in user.
 */
export interface Caller {
  reqId: string;
  logger: Logger;
  viewer: Viewer | null;
  em: EntityManager;
  loaders: AccountsLoaders;
  services: AccountsServices;
  clientIp?: string;
  userAgent?: string;
}
