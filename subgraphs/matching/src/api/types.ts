import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType, DateTimeScalar, DecimalScalar } from '@tradegraph/shared';

export enum OrderSide {
  buy = 'buy',
  sell = 'sell',
}
registerEnumType(OrderSide, { name: 'OrderSide' });

export enum OrderStatus {
  pending = 'pending',
  open = 'open',
  partially_filled = 'partially_filled',
  filled = 'filled',
  cancelled = 'cancelled',
  rejected = 'rejected',
  expired = 'expired',
}
registerEnumType(OrderStatus, { name: 'OrderStatus', description: 'pending = a stop waiting for its trigger' });

/** GraphQL names for the engine's order types (the engine spells them with hyphens). */
export enum OrderType {
  limit = 'limit',
  market = 'market',
  stop_loss = 'stop-loss',
  take_profit = 'take-profit',
  stop_limit = 'stop-limit',
  trailing_stop = 'trailing-stop',
  oco = 'oco',
}
registerEnumType(OrderType, { name: 'OrderType' });

export enum TimeInForce {
  GTC = 'GTC',
  IOC = 'IOC',
  FOK = 'FOK',
  DAY = 'DAY',
  GTD = 'GTD',
}
registerEnumType(TimeInForce, { name: 'TimeInForce' });

export enum SelfTradePrevention {
  cancel_newest = 'cancel-newest',
  cancel_oldest = 'cancel-oldest',
  cancel_both = 'cancel-both',
}
registerEnumType(SelfTradePrevention, { name: 'SelfTradePrevention' });

@ObjectType({ description: 'An order placed on the exchange' })
@Directive('@key(fields: "id")')
export class Order {
  @Field(() => ID) id!: string;
  @Field(() => OrderSide) side!: OrderSide;
  @Field({ description: 'limit, market, stop-loss, take-profit, stop-limit, trailing-stop or oco' }) type!: string;
  @Field() timeInForce!: string;
  @Field(() => DecimalScalar, { nullable: true, description: 'Limit price; null for market orders' }) price!: string | null;
  @Field(() => DecimalScalar, { nullable: true }) stopPrice!: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'Size in the base asset; null when sized by quoteAmount' }) quantity!:
    string | null;
  @Field(() => DecimalScalar, { nullable: true }) quoteAmount!: string | null;
  @Field(() => DecimalScalar) filledQuantity!: string;
  @Field(() => OrderStatus) status!: OrderStatus;
  @Field({ description: 'The idempotency key the client chose' }) clientOrderId!: string;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar) updatedAt!: Date;
}

export const OrderConnection = ConnectionType(Order, 'Order');

@ObjectType({ description: 'One side of a trade: what one order got' })
@Directive('@key(fields: "id")')
export class Fill {
  @Field(() => ID, { description: 'tradeId:orderId' }) id!: string;
  @Field(() => ID) tradeId!: string;
  @Field(() => ID) orderId!: string;
  @Field(() => OrderSide) side!: OrderSide;
  @Field({ description: 'maker or taker' }) liquidity!: string;
  @Field(() => DecimalScalar) price!: string;
  @Field(() => DecimalScalar) quantity!: string;
  @Field(() => DecimalScalar) fee!: string;
  @Field() feeAsset!: string;
  @Field(() => DateTimeScalar) createdAt!: Date;
}

export const FillConnection = ConnectionType(Fill, 'Fill');

@ObjectType({ description: 'Trading balance of one asset: available to trade, and locked by open orders' })
@Directive('@key(fields: "userId asset")')
export class Balance {
  @Field(() => ID) userId!: string;
  @Field() asset!: string;
  @Field(() => DecimalScalar) available!: string;
  @Field(() => DecimalScalar) locked!: string;
}

@Directive('@cacheControl(inheritMaxAge: true)')
@ObjectType({ description: 'Resting quantity at one price' })
export class BookLevel {
  @Field(() => DecimalScalar) price!: string;
  @Field(() => DecimalScalar, { description: 'Visible quantity; "0" in a delta means the level is gone' }) quantity!: string;
  @Field(() => Int, { description: 'How many orders rest at this price' }) orders!: number;
}

@Directive('@cacheControl(inheritMaxAge: true)')
@ObjectType({ description: 'Aggregated price levels of a market, best first' })
export class OrderBook {
  @Field() market!: string;
  @Field(() => Int, { description: 'Book version; subscription deltas continue from it' }) sequence!: number;
  @Field(() => [BookLevel]) bids!: BookLevel[];
  @Field(() => [BookLevel]) asks!: BookLevel[];
}

@ObjectType({ description: 'A snapshot (first message) or a delta of changed levels, numbered without gaps' })
export class OrderBookUpdate {
  @Field() market!: string;
  @Field(() => Int) sequence!: number;
  @Field({ description: 'true for the first message: the full book to the requested depth' }) snapshot!: boolean;
  @Field(() => [BookLevel]) bids!: BookLevel[];
  @Field(() => [BookLevel]) asks!: BookLevel[];
}

@ObjectType({ description: 'A trade on a market, as the public sees it' })
export class Trade {
  @Field() market!: string;
  @Field(() => ID) tradeId!: string;
  @Field(() => DecimalScalar) price!: string;
  @Field(() => DecimalScalar) quantity!: string;
  @Field(() => OrderSide) takerSide!: OrderSide;
  @Field(() => DateTimeScalar) at!: Date;
}

export const TradeConnection = ConnectionType(Trade, 'Trade');

@InputType()
export class PlaceOrderInput {
  @Field() market!: string;
  @Field(() => OrderSide) side!: OrderSide;
  @Field(() => OrderType) type!: OrderType;
  @Field({ description: 'Your idempotency key: placing the same clientOrderId again returns the first order' })
  clientOrderId!: string;
  @Field(() => DecimalScalar, { nullable: true }) quantity?: string;
  @Field(() => DecimalScalar, { nullable: true, description: 'Market-style orders: spend (buy) or receive (sell) this much quote' })
  quoteAmount?: string;
  @Field(() => DecimalScalar, { nullable: true }) price?: string;
  @Field(() => DecimalScalar, { nullable: true }) stopPrice?: string;
  @Field(() => DecimalScalar, { nullable: true, description: 'OCO: limit price of the stop leg' }) stopLimitPrice?: string;
  @Field(() => DecimalScalar, { nullable: true, description: 'Trailing stop distance in price' }) trailingAmount?: string;
  @Field(() => Int, { nullable: true, description: 'Trailing stop distance in basis points' }) trailingBps?: number;
  @Field(() => DecimalScalar, { nullable: true, description: 'Iceberg: visible slice' }) displayQuantity?: string;
  @Field({ nullable: true }) postOnly?: boolean;
  @Field(() => TimeInForce, { nullable: true }) timeInForce?: TimeInForce;
  @Field(() => DateTimeScalar, { nullable: true, description: 'GTD: when the order expires' }) expireAt?: Date;
  @Field(() => SelfTradePrevention, { nullable: true }) selfTradePrevention?: SelfTradePrevention;
}

@ObjectType()
@Directive('@key(fields: "symbol")')
// What matching adds to a market (its order book) is public market data that may be a second old
// in a cache; this makes the gateway's entity fetches of it (`_entities`) cacheable too.
@Directive('@cacheControl(maxAge: 1)')
export class Market {
  @Field(() => ID) symbol!: string;
}

@ObjectType()
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID) id!: string;
}

@ObjectType({ description: 'Fee rates as fractions of the notional ("0.001" = 0.1%), paid in the quote asset' })
export class MarketFees {
  @Field(() => DecimalScalar, { description: 'rate of a fill that rested in the book' }) maker!: string;
  @Field(() => DecimalScalar, { description: 'rate of a fill that took liquidity' }) taker!: string;
}

@ObjectType({ description: 'One tier of the fee schedule (FEE_TIERS)' })
export class FeeScheduleTier {
  @Field(() => Int, { description: '0 = every market\'s own rate' }) level!: number;
  @Field(() => DecimalScalar, { description: '30-day volume (USD) from which the tier applies' }) minVolume!: string;
  @Field(() => DecimalScalar) maker!: string;
  @Field(() => DecimalScalar) taker!: string;
}

@ObjectType({ description: "A user's fee tier: the rates their fills pay now" })
export class FeeTier {
  @Field(() => Int) level!: number;
  @Field(() => DecimalScalar) maker!: string;
  @Field(() => DecimalScalar) taker!: string;
  @Field(() => DecimalScalar, { description: 'quote value of their fills in the last 30 days, in markets quoted in USD, USDT or USDC' })
  thirtyDayVolume!: string;
  @Field(() => DecimalScalar, { nullable: true, description: '30-day volume of the next tier; null at the top' })
  nextLevelVolume!: string | null;
}
