import type { EntityManager } from '@tradegraph/shared';
import { findDepositsOfUser, type DepositRecord } from '../infra';

/** A user's deposits, newest first, a page at a time (one row more than asked, so the caller knows whether more follow). */
export class DepositHistory {
  page(em: EntityManager, userId: string, cursor: string | undefined, size: number): Promise<DepositRecord[]> {
    return findDepositsOfUser(em, userId, cursor, size + 1);
  }
}
