import type { MarketState } from './market';
import type { OrderType, SelfTradePrevention, Side, TimeInForce } from './types';

/** One user's holding of one asset. Locked funds back open orders and cannot be spent. */
export class Balance {
  available = 0;
  locked = 0;
  /** Sequence number of the last command that changed this balance, so each command reports
   *  a balance once (with its final value) however many times it touched it. */
  touchedBy = -1;
  constructor(
    readonly user: string,
    readonly asset: string,
  ) {}
}

export enum OrderStatus {
  /** Accepted stop / take-profit / trailing / OCO stop leg waiting for its trigger. */
  Waiting = 0,
  /** Being executed by the command that created, triggered or amended it. */
  Working = 1,
  /** In the book. */
  Resting = 2,
  /** Filled, cancelled or expired: no longer live. */
  Done = 3,
}

/**
 * A live order. One class for every type so the hot path sees a single object shape.
 * `prev`, `next` and `level` are owned by the fast book (intrusive FIFO per price level);
 * the reference book ignores them.
 *
 * Fields are assigned in the constructor in order of how hot they are: V8 lays an object's fields
 * out in assignment order, and an amend or cancel then touches two cache lines of the order
 * instead of five.
 */
export class Order {
  // Hot: read by every amend / cancel / fill.
  readonly id: number;
  /** Next order in the same OrderIndex bucket. */
  indexNext: Order | null;
  readonly user: string;
  status: OrderStatus;
  readonly market: MarketState;
  readonly side: Side;
  readonly isBuy: boolean;
  /** Limit price in ticks; 0 means "at any price" (market-style orders). */
  price: number;
  /** Open quantity in lots, the hidden part of an iceberg included. */
  remaining: number;
  /** Quantity shown in the book: equal to `remaining` except for icebergs. */
  visible: number;
  /** Funds locked for this order, in atoms of the quote asset (buys) or base asset (sells). */
  reserved: number;
  /** Where the reservation lives: the quote balance for buys, the base balance for sells. */
  readonly reserveBalance: Balance;
  ocoPeer: Order | null;
  readonly postOnly: boolean;
  /** Iceberg slice in lots, 0 for ordinary orders. */
  readonly displayQuantity: number;
  prev: Order | null;
  next: Order | null;
  level: unknown;
  // Warm: read when the order trades.
  /** Where the proceeds go: the base balance for buys, the quote balance for sells. */
  readonly proceedsBalance: Balance;
  readonly selfTradePrevention: SelfTradePrevention;
  /** Budget in quote atoms for orders sized by quote amount, else 0. */
  readonly quoteAmount: number;
  /** Gross quote value traded so far (quote-sized sells stop when it reaches quoteAmount). */
  quoteTraded: number;
  readonly timeInForce: TimeInForce;
  // Cold.
  /** What the order was placed as; stays the same after a trigger. */
  readonly orderType: OrderType;
  /** Trigger price in ticks for stop-style orders, else 0. */
  readonly stopPrice: number;
  /** Epoch ms at which the order expires, 0 for never. */
  readonly expireAt: number;
  readonly clientOrderId: string | undefined;
  readonly trailingAmount: number;
  readonly trailingBps: number;
  /** Trailing stops: the best last trade price seen since acceptance (highest for sells, lowest for buys). */
  trailReference: number;

  constructor(
    id: number,
    user: string,
    market: MarketState,
    side: Side,
    orderType: OrderType,
    timeInForce: TimeInForce,
    price: number,
    stopPrice: number,
    quantity: number,
    quoteAmount: number,
    displayQuantity: number,
    postOnly: boolean,
    selfTradePrevention: SelfTradePrevention,
    expireAt: number,
    clientOrderId: string | undefined,
    trailingAmount: number,
    trailingBps: number,
    reserveBalance: Balance,
    proceedsBalance: Balance,
  ) {
    this.id = id;
    this.indexNext = null;
    this.user = user;
    this.status = OrderStatus.Working;
    this.market = market;
    this.side = side;
    this.isBuy = side === 'buy';
    this.price = price;
    this.remaining = quantity;
    this.visible = displayQuantity > 0 && displayQuantity < quantity ? displayQuantity : quantity;
    this.reserved = 0;
    this.reserveBalance = reserveBalance;
    this.ocoPeer = null;
    this.postOnly = postOnly;
    this.displayQuantity = displayQuantity;
    this.prev = null;
    this.next = null;
    this.level = null;
    this.proceedsBalance = proceedsBalance;
    this.selfTradePrevention = selfTradePrevention;
    this.quoteAmount = quoteAmount;
    this.quoteTraded = 0;
    this.timeInForce = timeInForce;
    this.orderType = orderType;
    this.stopPrice = stopPrice;
    this.expireAt = expireAt;
    this.clientOrderId = clientOrderId;
    this.trailingAmount = trailingAmount;
    this.trailingBps = trailingBps;
    this.trailReference = 0;
  }

  get isSizedByQuote(): boolean {
    return this.quoteAmount > 0;
  }
}
