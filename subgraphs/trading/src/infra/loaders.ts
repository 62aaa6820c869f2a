import { batchLoader, groupLoader, type EntityManager, type Logger } from '@tradegraph/shared';
import { PriceAlertRecord } from './entities';

export function createLoaders(em: EntityManager, logger: Logger) {
  return {
    alertById: batchLoader(
      'alertById',
      logger,
      (ids: readonly string[]) => em.find(PriceAlertRecord, { id: { $in: [...ids] } }),
      (a) => a.id,
    ),
    /** Active alerts of many users in one query (a user has few active alerts). */
    activeAlertsByUser: groupLoader(
      'activeAlertsByUser',
      logger,
      (userIds: readonly string[]) =>
        em.find(PriceAlertRecord, { userId: { $in: [...userIds] }, status: 'active' }, { orderBy: { createdAt: 'desc' } }),
      (a) => a.userId,
    ),
  };
}
export type TradingLoaders = ReturnType<typeof createLoaders>;
