import { groupLoader, type EntityManager, type Logger } from '@tradegraph/shared';
import { HoldingRecord } from './entities';

export function createLoaders(em: EntityManager, logger: Logger) {
  return {
    holdingsByUser: groupLoader(
      'holdingsByUser',
      logger,
      (userIds: readonly string[]) => em.find(HoldingRecord, { userId: { $in: [...userIds] } }, { orderBy: { asset: 'asc' } }),
      (h) => h.userId,
    ),
  };
}
export type AnalyticsLoaders = ReturnType<typeof createLoaders>;
