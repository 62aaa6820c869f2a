import DataLoader from 'dataloader';
import { batchLoader, groupLoader, selectRows, type EntityManager, type Logger } from '@tradegraph/shared';
import { DepositRecord } from './entities';
import { DEPOSIT_COLUMNS, toRecord, type DepositRow } from './deposit-store';

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
            const rows = await selectRows<DepositRow>(
              em,
              `select * from (
                 select ${DEPOSIT_COLUMNS},
                        row_number() over (partition by user_id order by created_at desc, id desc) as rank
                   from funding.deposits where user_id = any($1::uuid[])
               ) ranked where rank <= $2 order by "createdAt" desc, id desc`,
              [userIds, limit],
            );
            return rows.map(toRecord);
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
