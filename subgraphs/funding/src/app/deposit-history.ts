import type { EntityManager } from '@tradegraph/shared';
import { depositsOfUser, type DepositFilter, type DepositRecord } from '../infra';

/** A user's deposits, newest first, filtered, a page at a time (one row more than asked, so the caller knows whether more follow). */
export class DepositHistory {
  page(em: EntityManager, userId: string, filter: DepositFilter, after: { createdAt: Date; id: string } | undefined, size: number): Promise<DepositRecord[]> {
    return depositsOfUser(em, userId, filter, after, size + 1);
  }
}
