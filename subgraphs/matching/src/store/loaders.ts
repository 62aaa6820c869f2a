import DataLoader from 'dataloader';
import { batchLoader, groupLoader, type EntityManager, type Logger } from '@tradegraph/shared';
import { FillRecord, OrderRecord } from './entities';

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

export function createLoaders(em: EntityManager, logger: Logger) {
  const connection = em.getConnection();
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
            const rows = await connection.execute<{ id: string }[]>(
              `select id from (
                 select id, row_number() over (partition by user_id order by created_at desc, id desc) as rank
                 from matching.orders where user_id in (${placeholders(userIds.length)})
               ) ranked where rank <= ?`,
              [...userIds, limit],
            );
            return em.find(OrderRecord, { id: { $in: rows.map((r) => r.id) } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
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
