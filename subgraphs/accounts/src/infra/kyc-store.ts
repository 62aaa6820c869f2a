import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@tradegraph/shared';
import { KycRecord } from './entities/kyc';

/**
 * Re-seals, under the keyring's primary key, every row sealed with another key, in batches,
 * each row re-read and re-written inside its own small transaction so a concurrent
 * submission is never overwritten with stale data. Returns how many rows moved.
 */
export async function resealKycRows(
  em: EntityManager,
  primaryKeyId: string,
  reseal: (row: KycRecord) => { keyId: string; blob: Buffer },
  batchSize = 100,
): Promise<number> {
  let moved = 0;
  for (;;) {
    const batch = await em.fork().find(KycRecord, { piiKeyId: { $ne: primaryKeyId } }, { limit: batchSize, fields: ['userId'] });
    if (batch.length === 0) return moved;
    for (const { userId } of batch) {
      await em.fork().transactional(async (tx) => {
        const row = await tx.findOne(KycRecord, { userId, piiKeyId: { $ne: primaryKeyId } }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!row) return;
        const sealed = reseal(row);
        row.piiKeyId = sealed.keyId;
        row.pii = sealed.blob;
        moved += 1;
      });
    }
  }
}
