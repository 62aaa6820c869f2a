import { newestFirstAfter, type EntityManager } from '@tradegraph/shared';
import { DepositRecord } from './entities';

/** A user's deposits newest first, after `cursor` (a decoded newest-first cursor, see shared/src/relay.ts), at most `limit`. */
export function findDepositsOfUser(em: EntityManager, userId: string, cursor: string | undefined, limit: number): Promise<DepositRecord[]> {
  return em.find(DepositRecord, { userId, ...newestFirstAfter(cursor, 'id') }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit });
}
