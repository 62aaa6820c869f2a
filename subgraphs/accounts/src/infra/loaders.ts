import { batchLoader, groupLoader, selectRows, toDate, type EntityManager, type Logger } from '@tradegraph/shared';
import { UserRecord } from './entities/users';
import { KycRecord } from './entities/kyc';
import { WalletRecord } from './entities/wallets';

export function createLoaders(em: EntityManager, logger: Logger) {
  return {
    kycByUserId: batchLoader(
      'kycByUserId',
      logger,
      (userIds: readonly string[]) => em.find(KycRecord, { userId: { $in: [...userIds] } }),
      (k) => k.userId,
    ),
    /**
     * Users as plain rows with UserRecord's fields (read straight from SQL: this lookup is
     * behind every `me` and every User entity fetch). Read-only: change a user through
     * `em.findOne(UserRecord, …)`.
     */
    userById: batchLoader(
      'userById',
      logger,
      async (ids: readonly string[]) => {
        const rows = await selectRows<UserRecord>(
          em,
          `select id, email, password_hash as "passwordHash", roles, created_at as "createdAt",
                  referral_code as "referralCode", referred_by as "referredById"
             from accounts.users where id = any($1::uuid[])`,
          [ids],
        );
        for (const row of rows) row.createdAt = toDate(em, row.createdAt);
        return rows;
      },
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
