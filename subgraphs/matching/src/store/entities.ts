import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

export type OrderSide = 'buy' | 'sell';
export type OrderStatus = 'open' | 'partially_filled' | 'filled' | 'cancelled' | 'rejected' | 'expired';

/**
 * The read model of orders: what queries and entity references answer from. The engine's
 * journal is the source of truth for matching; this table is what GraphQL reads.
 */
@Entity({ schema: 'matching', tableName: 'orders' })
export class OrderRecord {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'text' }) market!: string;
  @Property({ type: 'text' }) side!: OrderSide;
  @Property({ type: 'text' }) type!: string;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', nullable: true }) price!: string | null;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)' }) quantity!: string;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', fieldName: 'filled_quantity' }) filledQuantity!: string;
  @Property({ type: 'text' }) status!: OrderStatus;
  @Property({ type: 'text', fieldName: 'client_order_id' }) clientOrderId!: string;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'updated_at' }) updatedAt!: Date;
}
