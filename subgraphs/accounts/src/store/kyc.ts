import { Entity, LockMode, PrimaryKey, Property } from '@mikro-orm/core';
import type { EntityManager } from '@tradegraph/shared';

/**
 * A user's KYC state. No row means status `none`. The personal data lives only in `pii`,
 * sealed with AES-256-GCM under the key `piiKeyId` (see domain/kyc/crypto.ts).
 */
@Entity({ schema: 'accounts', tableName: 'kyc' })
export class KycRecord {
  @PrimaryKey({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'text' }) status!: 'pending' | 'approved' | 'rejected';
  /** The highest approved level (0 = none yet); kept while a higher level is pending. */
  @Property({ type: 'integer' }) level!: number;
  @Property({ type: 'integer', fieldName: 'requested_level' }) requestedLevel!: number;
  @Property({ type: 'text' }) provider!: string;
  @Property({ type: 'text', fieldName: 'provider_reference', nullable: true }) providerReference!: string | null;
  @Property({ type: 'text', fieldName: 'rejection_reason', nullable: true }) rejectionReason!: string | null;
  @Property({ type: 'text', fieldName: 'pii_key_id' }) piiKeyId!: string;
  @Property({ type: 'blob', hidden: true }) pii!: Buffer;
  @Property({ type: 'timestamptz', fieldName: 'submitted_at' }) submittedAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'reviewed_at', nullable: true }) reviewedAt!: Date | null;
  @Property({ type: 'uuid', fieldName: 'reviewed_by', nullable: true }) reviewedBy!: string | null;
  @Property({ type: 'timestamptz', fieldName: 'updated_at' }) updatedAt!: Date;
}

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
