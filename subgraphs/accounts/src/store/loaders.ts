import { batchLoader, groupLoader, type EntityManager, type Logger } from '@tradegraph/shared';
import { UserRecord } from './entities';
import { KycRecord } from './kyc';
import { WalletRecord } from './wallet-entities';

export function createLoaders(em: EntityManager, logger: Logger) {
  return {
    kycByUserId: batchLoader(
      'kycByUserId',
      logger,
      (userIds: readonly string[]) => em.find(KycRecord, { userId: { $in: [...userIds] } }),
      (k) => k.userId,
    ),
    userById: batchLoader(
      'userById',
      logger,
      (ids: readonly string[]) => em.find(UserRecord, { id: { $in: [...ids] } }),
      (u) => u.id,
    ),
    walletsByUser: groupLoader(
      'walletsByUser',
      logger,
      (userIds: readonly string[]) =>
        em.find(WalletRecord, { userId: { $in: [...userIds] } }, { orderBy: { createdAt: 'asc', id: 'asc' } }),
      (w) => w.userId,
    ),
  };
}
export type AccountsLoaders = ReturnType<typeof createLoaders>;
