import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { AlertCondition, AlertStatus } from '../domain/alerts';

@Entity({ schema: 'trading', tableName: 'price_alerts' })
export class PriceAlertRecord {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'text' }) market!: string;
  @Property({ type: 'text' }) condition!: AlertCondition;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)' }) price!: string;
  @Property({ type: 'text' }) status!: AlertStatus;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'triggered_at', nullable: true }) triggeredAt!: Date | null;
}
