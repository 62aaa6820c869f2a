import { batchLoader, type EntityManager, type Logger } from '@tradegraph/shared';
import { UserRecord } from './entities';

export function createLoaders(em: EntityManager, logger: Logger) {
  return {
    userById: batchLoader(
      'userById',
      logger,
      (ids: readonly string[]) => em.find(UserRecord, { id: { $in: [...ids] } }),
      (u) => u.id,
    ),
  };
}
export type AccountsLoaders = ReturnType<typeof createLoaders>;
