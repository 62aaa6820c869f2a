import DataLoader from 'dataloader';
import { batchLoader, groupLoader, selectRows, toDate, type EntityManager, type Logger } from '@tradegraph/shared';
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
            // Plain rows with OrderRecord's fields (behind every User entity fetch that asks for
            // orders, where MikroORM's find and hydration cost more than the query), read per
            // user through the (user_id, created_at desc, id desc) index: a lateral LIMIT stops
            // after `limit` rows however many orders a user has, a window function would not.
            const rows = await selectRows<OrderRecord>(
              em,
              `select o.* from unnest($1::uuid[]) as owner(id) cross join lateral (
                 select id::text as id, user_id as "userId", market, side, type, time_in_force as "timeInForce",
                        price, stop_price as "stopPrice", quantity, quote_amount as "quoteAmount",
                        filled_quantity as "filledQuantity", status, client_order_id as "clientOrderId",
                        created_at as "createdAt", updated_at as "updatedAt"
                   from matching.orders where user_id = owner.id
                  order by created_at desc, id desc limit $2
               ) o order by o."userId", o."createdAt" desc, o.id::bigint desc`,
              [userIds, limit],
            );
            for (const row of rows) {
              row.createdAt = toDate(em, row.createdAt);
              row.updatedAt = toDate(em, row.updatedAt);
            }
            return rows;
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
