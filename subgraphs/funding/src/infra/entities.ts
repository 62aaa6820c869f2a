import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

import type { DepositStatus, DepositSwap } from '@tradegraph/shared/domain';

export type { DepositStatus };

@Entity({ schema: 'funding', tableName: 'deposits' })
export class DepositRecord {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'text' }) asset!: string;
  /** The chain (or rail). */
  @Property({ type: 'text' }) network!: string;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)' }) amount!: string;
  @Property({ type: 'text' }) status!: DepositStatus;
  @Property({ type: 'integer' }) confirmations!: number;
  @Property({ type: 'integer', fieldName: 'required_confirmations' }) requiredConfirmations!: number;
  @Property({ type: 'text', fieldName: 'tx_hash', nullable: true }) txHash!: string | null;
  @Property({ type: 'integer', fieldName: 'log_index' }) logIndex!: number;
  @Property({ type: 'text', fieldName: 'token_address', nullable: true }) tokenAddress!: string | null;
  @Property({ type: 'text', fieldName: 'from_address', nullable: true }) fromAddress!: string | null;
  @Property({ type: 'text', fieldName: 'to_address', nullable: true }) toAddress!: string | null;
  @Property({ type: 'bigint', fieldName: 'block_number', nullable: true }) blockNumber!: string | null;
  @Property({ type: 'text', fieldName: 'block_hash', nullable: true }) blockHash!: string | null;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', fieldName: 'credited_amount', nullable: true }) creditedAmount!: string | null;
  @Property({ type: 'json', nullable: true }) swap!: DepositSwap | null;
  @Property({ type: 'text', nullable: true }) failure!: string | null;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'updated_at' }) updatedAt!: Date;
}

@Entity({ schema: 'funding', tableName: 'deposit_addresses' })
export class DepositAddressRecord {
  @PrimaryKey({ type: 'bigint' }) id!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'text' }) chain!: string;
  @Property({ type: 'text' }) address!: string;
  @Property({ type: 'integer', fieldName: 'derivation_index' }) derivationIndex!: number;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
}
