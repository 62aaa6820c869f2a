import { batchLoader, groupLoader, type EntityManager, type Logger, type PriceAlertState } from '@tradegraph/shared';
import { PriceAlertRecord } from './entities';
import { recordState } from './alerts';

export function createLoaders(em: EntityManager, logger: Logger) {
  return {
    alertById: batchLoader(
      'alertById',
      logger,
      async (ids: readonly string[]): Promise<PriceAlertState[]> =>
        (await em.find(PriceAlertRecord, { id: { $in: [...ids] } })).map(recordState),
      (a) => a.id,
    ),
    /** Active alerts of many users in one query (a user has few active alerts). */
    activeAlertsByUser: groupLoader(
      'activeAlertsByUser',
      logger,
      async (userIds: readonly string[]): Promise<PriceAlertState[]> =>
        (await em.find(PriceAlertRecord, { userId: { $in: [...userIds] }, status: 'active' }, { orderBy: { createdAt: 'desc' } })).map(
          recordState,
        ),
      (a) => a.userId,
    ),
  };
}
export type TradingLoaders = ReturnType<typeof createLoaders>;
