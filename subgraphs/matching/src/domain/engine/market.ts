/**
 * A market's state and the live orders in it. The two refer to each other (an order knows its
 * market, a market its books and waiting orders), so they share this file.
 */
import type { Balance } from './balance';
import type { BookSide, BookSideFactory } from './book';
import type { MarketSpec, OrderType, SelfTradePrevention, Side, TimeInForce } from './types';
import { MAX_FEE_BPS, feeFor } from './limits';
import type { MarketScale } from './units';

/** Fees collected in one asset; a shared mutable cell so trades add to it without a map lookup. */
export class FeeAccount {
  amount = 0;
  constructor(readonly asset: string) {}
}

/** One user's balances of a market's two assets. */
export interface Holdings {
  base: Balance;
  quote: Balance;
  fees: FeeRates;
}

/**
 * A user's fee tier (SetUserFees): one mutable cell per user that every order of theirs points
 * at, so a tier change reaches resting orders without touching them. A fill charges the lower of
 * the tier's rate and the market's (tiers only lower fees, so a buy's reservation, made at the
 * market's rates, always covers it). A user without a tier pays the market's rates (level 0).
 */
export class FeeRates {
  level = 0;
  makerBps = MAX_FEE_BPS;
  takerBps = MAX_FEE_BPS;
  constructor(readonly user: string) {}
}

/** A market's configuration (integers derived from its spec) and its live state. */
export class MarketState {
  readonly id: string;
  readonly baseAtomsPerLot: number;
  readonly quoteAtomsPerTickLot: number;
  readonly minNotional: number;
  readonly makerFeeBps: number;
  readonly takerFeeBps: number;
  /** A resting buy may end up paying either fee, so it reserves the larger. */
  readonly reserveFeeBps: number;
  readonly bids: BookSide<Order>;
  readonly asks: BookSide<Order>;
  /** Accepted stop-style orders waiting for their trigger, in order of acceptance (id order). */
  readonly waiting: Order[] = [];
  /** Cache of users' balances in this market's assets (the balances themselves live in the engine). */
  readonly holdings = new Map<string, Holdings>();
  suspended = false;
  /** Price of the last trade in ticks, 0 before the first trade. Stops trigger from it. */
  lastPrice = 0;

  constructor(
    readonly spec: MarketSpec,
    scale: MarketScale,
    readonly maxPriceTicks: number,
    readonly maxQuantityLots: number,
    readonly sessionCloseMs: number,
    readonly fees: FeeAccount,
    bookSide: BookSideFactory<Order>,
  ) {
    this.id = spec.id;
    this.baseAtomsPerLot = scale.baseAtomsPerLot;
    this.quoteAtomsPerTickLot = scale.quoteAtomsPerTickLot;
    this.minNotional = scale.minNotionalAtoms;
    this.makerFeeBps = spec.makerFeeBps;
    this.takerFeeBps = spec.takerFeeBps;
    this.reserveFeeBps = Math.max(spec.makerFeeBps, spec.takerFeeBps);
    this.bids = bookSide(true);
    this.asks = bookSide(false);
    if (this.reserveFeeBps > MAX_FEE_BPS) throw new Error('fee above 100%');
  }

  notional(priceTicks: number, lots: number): number {
    return priceTicks * lots * this.quoteAtomsPerTickLot;
  }

  /** Quote atoms a buy of `lots` at `priceTicks` locks: the notional plus the worst-case fee. */
  buyReservation(priceTicks: number, lots: number): number {
    const notional = priceTicks * lots * this.quoteAtomsPerTickLot;
    return notional + feeFor(notional, this.reserveFeeBps);
  }
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
  /** The user's fee tier cell (shared by all their orders). */
  readonly fees: FeeRates;
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
    fees: FeeRates,
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
    this.fees = fees;
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
