import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { Holding } from '../domain/portfolio';

/** One asset a user holds, as last valued by analytics. */
@Entity({ schema: 'analytics', tableName: 'portfolio_holdings' })
export class HoldingRecord implements Holding {
  @PrimaryKey({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @PrimaryKey({ type: 'text' }) asset!: string;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)' }) quantity!: string;
  @Property({ type: 'timestamptz', fieldName: 'updated_at' }) updatedAt!: Date;
}
