import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType, DateTimeScalar, DecimalScalar } from '@tradegraph/shared';

export enum OrderSide {
  buy = 'buy',
  sell = 'sell',
}
registerEnumType(OrderSide, { name: 'OrderSide' });

export enum OrderStatus {
  open = 'open',
  partially_filled = 'partially_filled',
  filled = 'filled',
  cancelled = 'cancelled',
  rejected = 'rejected',
  expired = 'expired',
}
registerEnumType(OrderStatus, { name: 'OrderStatus' });

@ObjectType({ description: 'An order placed on the exchange' })
@Directive('@key(fields: "id")')
export class Order {
  @Field(() => ID) id!: string;
  @Field(() => OrderSide) side!: OrderSide;
  @Field({ description: 'limit, market, stop_limit, …' }) type!: string;
  @Field(() => DecimalScalar, { nullable: true, description: 'Limit price; null for market orders' }) price!: string | null;
  @Field(() => DecimalScalar) quantity!: string;
  @Field(() => DecimalScalar) filledQuantity!: string;
  @Field(() => OrderStatus) status!: OrderStatus;
  @Field({ description: 'The idempotency key the client chose' }) clientOrderId!: string;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar) updatedAt!: Date;
}

export const OrderConnection = ConnectionType(Order, 'Order');

@ObjectType({ description: 'Resting quantity at one price' })
export class BookLevel {
  @Field(() => DecimalScalar) price!: string;
  @Field(() => DecimalScalar) quantity!: string;
  @Field(() => Int, { description: 'How many orders rest at this price' }) orders!: number;
}

@ObjectType({ description: 'Aggregated price levels of a market, best first' })
export class OrderBook {
  @Field(() => [BookLevel]) bids!: BookLevel[];
  @Field(() => [BookLevel]) asks!: BookLevel[];
}

/** Markets are owned by the markets subgraph; matching adds the order book. */
@ObjectType()
@Directive('@key(fields: "symbol")')
export class Market {
  @Field(() => ID) symbol!: string;
}

/** Users are owned by accounts; matching adds their orders. */
@ObjectType()
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID) id!: string;
}
