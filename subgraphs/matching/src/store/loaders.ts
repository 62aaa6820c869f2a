import DataLoader from 'dataloader';
import { batchLoader, groupLoader, newestIdsPerOwner, type EntityManager, type Logger } from '@tradegraph/shared';
import { FillRecord, OrderRecord } from './entities';

export function createLoaders(em: EntityManager, logger: Logger) {
  /** `User.orders(first)` for many users in one query: the newest `first + 1` of each user. */
  const recentOrdersByUser = new Map<number, DataLoader<string, OrderRecord[]>>();
  return {
    /** Fills by `tradeId:orderId`, for references from other subgraphs. */
    fillById: batchLoader(
      'fillById',
      logger,
      (ids: readonly string[]) =>
        em.find(FillRecord, {
          $or: ids.map((id) => {
            const [tradeId, orderId] = id.split(':');
            return { tradeId, orderId };
          }),
        }),
      (f): string => `${f.tradeId}:${f.orderId}`,
    ),
    orderById: batchLoader(
      'orderById',
      logger,
      (ids: readonly string[]) => em.find(OrderRecord, { id: { $in: [...ids] } }),
      (o) => o.id,
    ),
    recentOrdersOfUser(limit: number): DataLoader<string, OrderRecord[]> {
      let loader = recentOrdersByUser.get(limit);
      if (!loader) {
        loader = groupLoader(
          'recentOrdersByUser',
          logger,
          async (userIds: readonly string[]) => {
            const ids = await newestIdsPerOwner(em, 'matching.orders', 'user_id', userIds, limit);
            return em.find(OrderRecord, { id: { $in: ids } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
          },
          (order) => order.userId,
        );
        recentOrdersByUser.set(limit, loader);
      }
      return loader;
    },
  };
}
export type MatchingLoaders = ReturnType<typeof createLoaders>;
