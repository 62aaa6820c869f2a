import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { AlertKind, AlertStatus, AlertWindow } from '../domain/alerts';

@Entity({ schema: 'trading', tableName: 'price_alerts' })
export class PriceAlertRecord {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'text' }) market!: string;
  @Property({ type: 'text' }) kind!: AlertKind;
  /** ABOVE / BELOW: the threshold (the column keeps its first name). */
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', fieldName: 'price', nullable: true }) threshold!: string | null;
  /** CHANGE_PERCENT: the signed percent. */
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', nullable: true }) percent!: string | null;
  @Property({ type: 'text', fieldName: 'window', nullable: true }) window!: AlertWindow | null;
  @Property({ type: 'boolean' }) repeat!: boolean;
  @Property({ type: 'integer', fieldName: 'cooldown_seconds', nullable: true }) cooldownSeconds!: number | null;
  @Property({ type: 'timestamptz', fieldName: 'expires_at', nullable: true }) expiresAt!: Date | null;
  @Property({ type: 'text' }) status!: AlertStatus;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'triggered_at', nullable: true }) triggeredAt!: Date | null;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', fieldName: 'triggered_price', nullable: true }) triggeredPrice!: string | null;
  @Property({ type: 'integer', fieldName: 'times_triggered' }) timesTriggered!: number;
  /** A repeating alert that fired is armed again at this time. */
  @Property({ type: 'timestamptz', fieldName: 'rearm_at', nullable: true }) rearmAt!: Date | null;
}
