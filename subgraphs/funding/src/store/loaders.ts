import DataLoader from 'dataloader';
import { batchLoader, groupLoader, type EntityManager, type Logger } from '@tradegraph/shared';
import { DepositRecord } from './entities';

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

export function createLoaders(em: EntityManager, logger: Logger) {
  const recentByUser = new Map<number, DataLoader<string, DepositRecord[]>>();
  return {
    depositById: batchLoader(
      'depositById',
      logger,
      (ids: readonly string[]) => em.find(DepositRecord, { id: { $in: [...ids] } }),
      (d) => d.id,
    ),
    /** `User.deposits(first)` for many users in one query. */
    recentDepositsOfUser(limit: number): DataLoader<string, DepositRecord[]> {
      let loader = recentByUser.get(limit);
      if (!loader) {
        loader = groupLoader(
          'recentDepositsByUser',
          logger,
          async (userIds: readonly string[]) => {
            const rows = await em.getConnection().execute<{ id: string }[]>(
              `select id from (
                 select id, row_number() over (partition by user_id order by created_at desc, id desc) as rank
                 from funding.deposits where user_id in (${placeholders(userIds.length)})
               ) ranked where rank <= ?`,
              [...userIds, limit],
            );
            return em.find(DepositRecord, { id: { $in: rows.map((r) => r.id) } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
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
