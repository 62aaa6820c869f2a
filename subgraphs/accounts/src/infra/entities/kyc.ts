import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A user's KYC state. No row means status `none`. The personal data lives only in `pii`,
 * sealed with AES-256-GCM under the key `piiKeyId` (see domain/sealing.ts).
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
