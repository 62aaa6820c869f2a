import DataLoader from 'dataloader';
import { batchLoader, groupLoader, selectRows, toDate, type EntityManager, type Logger } from '@tradegraph/shared';
import { DepositRecord } from './entities';

export function createLoaders(em: EntityManager, logger: Logger) {
  const recentByUser = new Map<number, DataLoader<string, DepositRecord[]>>();
  return {
    depositById: batchLoader(
      'depositById',
      logger,
      (ids: readonly string[]) => em.find(DepositRecord, { id: { $in: [...ids] } }),
      (d) => d.id,
    ),
    /**
     * `User.deposits(first)` for many users in one query (a window function), newest first, as
     * plain rows with DepositRecord's fields: this is behind every User entity fetch that asks
     * for deposits, and MikroORM's find and hydration cost far more than the query.
     */
    recentDepositsOfUser(limit: number): DataLoader<string, DepositRecord[]> {
      let loader = recentByUser.get(limit);
      if (!loader) {
        loader = groupLoader(
          'recentDepositsByUser',
          logger,
          async (userIds: readonly string[]) => {
            const rows = await selectRows<DepositRecord>(
              em,
              `select id, "userId", asset, network, amount, status, confirmations, "txHash", "createdAt" from (
                 select id, user_id as "userId", asset, network, amount, status, confirmations, tx_hash as "txHash",
                        created_at as "createdAt",
                        row_number() over (partition by user_id order by created_at desc, id desc) as rank
                   from funding.deposits where user_id = any($1::uuid[])
               ) ranked where rank <= $2 order by "createdAt" desc, id desc`,
              [userIds, limit],
            );
            for (const row of rows) row.createdAt = toDate(em, row.createdAt);
            return rows;
          },
          (deposit) => deposit.userId,
        );
        recentByUser.set(limit, loader);
      }
      return loader;
    },
  };
}
export type FundingLoaders = ReturnType<typeof createLoaders>;
