import DataLoader from 'dataloader';
import { batchLoader, groupLoader, newestIdsPerOwner, type EntityManager, type Logger } from '@tradegraph/shared';
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
    /** `User.deposits(first)` for many users in one query. */
    recentDepositsOfUser(limit: number): DataLoader<string, DepositRecord[]> {
      let loader = recentByUser.get(limit);
      if (!loader) {
        loader = groupLoader(
          'recentDepositsByUser',
          logger,
          async (userIds: readonly string[]) => {
            const ids = await newestIdsPerOwner(em, 'funding.deposits', 'user_id', userIds, limit);
            return em.find(DepositRecord, { id: { $in: ids } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
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
