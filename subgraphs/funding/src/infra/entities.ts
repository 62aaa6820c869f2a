import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

import type { DepositStatus } from '@tradegraph/shared/domain';

export type { DepositStatus };

@Entity({ schema: 'funding', tableName: 'deposits' })
export class DepositRecord {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'text' }) asset!: string;
  @Property({ type: 'text' }) network!: string;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)' }) amount!: string;
  @Property({ type: 'text' }) status!: DepositStatus;
  @Property({ type: 'integer' }) confirmations!: number;
  @Property({ type: 'text', fieldName: 'tx_hash', nullable: true }) txHash!: string | null;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
}
