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
 */
export class Order {
  prev: Order | null = null;
  next: Order | null = null;
  level: unknown = null;
  /** Next order in the same OrderIndex bucket. */
  indexNext: Order | null = null;

  status: OrderStatus = OrderStatus.Working;
  /** Open quantity in lots, the hidden part of an iceberg included. */
  remaining: number;
  /** Quantity shown in the book: equal to `remaining` except for icebergs. */
  visible: number;
  /** Funds locked for this order, in atoms of the quote asset (buys) or base asset (sells). */
  reserved = 0;
  /** Trailing stops: the best last trade price seen since acceptance (highest for sells, lowest for buys). */
  trailReference = 0;
  ocoPeer: Order | null = null;
  /** Gross quote value traded so far (quote-sized sells stop when it reaches quoteAmount). */
  quoteTraded = 0;

  constructor(
    readonly id: number,
    readonly user: string,
    readonly market: MarketState,
    readonly side: Side,
    /** What the order was placed as; stays the same after a trigger. */
    readonly orderType: OrderType,
    readonly timeInForce: TimeInForce,
    /** Limit price in ticks; 0 means "at any price" (market-style orders). */
    public price: number,
    /** Trigger price in ticks for stop-style orders, else 0. */
    readonly stopPrice: number,
    quantity: number,
    /** Budget in quote atoms for orders sized by quote amount, else 0. */
    readonly quoteAmount: number,
    /** Iceberg slice in lots, 0 for ordinary orders. */
    readonly displayQuantity: number,
    readonly postOnly: boolean,
    readonly selfTradePrevention: SelfTradePrevention,
    /** Epoch ms at which the order expires, 0 for never. */
    readonly expireAt: number,
    readonly clientOrderId: string | undefined,
    readonly trailingAmount: number,
    readonly trailingBps: number,
    /** Where the reservation lives: the quote balance for buys, the base balance for sells. */
    readonly reserveBalance: Balance,
    /** Where the proceeds go: the base balance for buys, the quote balance for sells. */
    readonly proceedsBalance: Balance,
  ) {
    this.remaining = quantity;
    this.visible = displayQuantity > 0 && displayQuantity < quantity ? displayQuantity : quantity;
  }

  get isBuy(): boolean {
    return this.side === 'buy';
  }

  get isSizedByQuote(): boolean {
    return this.quoteAmount > 0;
  }
}
