import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

export type OrderSide = 'buy' | 'sell';
import type { OrderStatus } from '@tradegraph/shared/contracts';

export type { OrderStatus };

/**
 * The read model of orders, projected from the engine's events in the same transaction as the
 * journal (see sequencer.ts). Queries and entity references answer from here.
 */
@Entity({ schema: 'matching', tableName: 'orders' })
export class OrderRecord {
  /** The engine's order id (a bigint, as a string). */
  @PrimaryKey({ type: 'bigint' }) id!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'text' }) market!: string;
  @Property({ type: 'text' }) side!: OrderSide;
  @Property({ type: 'text' }) type!: string;
  @Property({ type: 'text', fieldName: 'time_in_force' }) timeInForce!: string;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', nullable: true }) price!: string | null;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', fieldName: 'stop_price', nullable: true }) stopPrice!: string | null;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', nullable: true }) quantity!: string | null;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', fieldName: 'quote_amount', nullable: true }) quoteAmount!: string | null;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', fieldName: 'filled_quantity' }) filledQuantity!: string;
  @Property({ type: 'text' }) status!: OrderStatus;
  @Property({ type: 'text', fieldName: 'client_order_id' }) clientOrderId!: string;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'updated_at' }) updatedAt!: Date;
}

@Entity({ schema: 'matching', tableName: 'fills' })
export class FillRecord {
  @PrimaryKey({ type: 'bigint', fieldName: 'trade_id' }) tradeId!: string;
  @PrimaryKey({ type: 'bigint', fieldName: 'order_id' }) orderId!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'text' }) market!: string;
  @Property({ type: 'text' }) side!: OrderSide;
  @Property({ type: 'text' }) liquidity!: 'maker' | 'taker';
  @Property({ type: 'decimal', columnType: 'numeric(38,18)' }) price!: string;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)' }) quantity!: string;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)' }) fee!: string;
  @Property({ type: 'text', fieldName: 'fee_asset' }) feeAsset!: string;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
}
