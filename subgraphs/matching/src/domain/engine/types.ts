import { ENGINE_REJECT_CODES, type EngineRejectCode } from '@tradegraph/shared/contracts';
/**
 * The engine's vocabulary: commands in, results and events out. Everything here is plain
 * JSON-serialisable data so commands can be journaled and results sent over the wire as-is.
 *
 * Units: prices are integer *ticks*, quantities integer *lots*, balances and quote amounts
 * integer *atoms* of an asset (its smallest unit, 10^-decimals). Converting decimal strings
 * to and from these units is the job of `units.ts`, at the edge.
 */

export type Side = 'buy' | 'sell';

export type OrderType =
  | 'market' // executes immediately against the book, remainder cancelled
  | 'limit' // may rest; `displayQuantity` makes it an iceberg, `postOnly` a maker-only order
  | 'stop-loss' // market order triggered when the price moves against the holder
  | 'take-profit' // market order triggered when the price moves in favour of the holder
  | 'stop-limit' // limit order triggered like a stop-loss
  | 'trailing-stop' // market order whose trigger trails the last trade price
  | 'oco'; // one-cancels-the-other: a limit leg plus a stop (market or limit) leg

/** GTC rests until cancelled, IOC cancels what does not fill at once, FOK fills fully or not at
 *  all, DAY expires at the market's next session close, GTD expires at `expireAt`. */
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'DAY' | 'GTD';

/** What to do when an incoming order would trade with a resting order of the same user. */
export type SelfTradePrevention = 'cancel-newest' | 'cancel-oldest' | 'cancel-both';

/** Static description of a market. Decimal strings are exact; see `units.ts`. */
export interface MarketSpec {
  id: string;
  base: string;
  quote: string;
  /** Number of decimals of one atom of the base / quote asset (e.g. 8 for BTC, 6 for USDT). */
  baseDecimals: number;
  quoteDecimals: number;
  /** Price increment in quote per one unit of base, e.g. "0.01". */
  tickSize: string;
  /** Quantity increment in base, e.g. "0.00001". */
  lotSize: string;
  /** Smallest order value in quote, e.g. "10". Defaults to "0". */
  minNotional?: string;
  makerFeeBps: number;
  takerFeeBps: number;
  /** Largest accepted price / quantity; defaults are derived so that price × quantity fits (see limits.ts). */
  maxPriceTicks?: number;
  maxQuantityLots?: number;
  /** Milliseconds after UTC midnight at which the daily session closes and DAY orders expire. Default 0. */
  sessionCloseMs?: number;
}

interface CommandBase {
  /** Sequencer time in epoch milliseconds. Must never go backwards; the engine never reads a clock. */
  ts: number;
}

export interface PlaceOrder extends CommandBase {
  type: 'PlaceOrder';
  market: string;
  user: string;
  clientOrderId?: string;
  side: Side;
  orderType: OrderType;
  /** Size in lots. Required except for market-style orders sized by `quoteAmount`. */
  quantity?: number;
  /** Size in quote atoms, for market / stop-loss / take-profit / trailing-stop orders. Buys spend at most
   *  this much including the taker fee; sells receive at most this much before fees. */
  quoteAmount?: number;
  /** Limit price in ticks (limit, stop-limit, and the limit leg of an OCO). */
  price?: number;
  /** Trigger price in ticks (stop-loss, take-profit, stop-limit, and the stop leg of an OCO). */
  stopPrice?: number;
  /** OCO only: limit price of the stop leg; without it the stop leg is a stop-market order. */
  stopLimitPrice?: number;
  /** Trailing stop distance, either in ticks or in basis points of the reference price. */
  trailingAmount?: number;
  trailingBps?: number;
  /** Iceberg: the visible slice in lots. */
  displayQuantity?: number;
  postOnly?: boolean;
  timeInForce?: TimeInForce;
  /** GTD only: epoch ms at which the order expires. */
  expireAt?: number;
  selfTradePrevention?: SelfTradePrevention;
}

export interface CancelOrder extends CommandBase {
  type: 'CancelOrder';
  user: string;
  orderId?: number;
  clientOrderId?: string;
}

export interface AmendOrder extends CommandBase {
  type: 'AmendOrder';
  user: string;
  orderId: number;
  /** New limit price in ticks. */
  price?: number;
  /** New open quantity in lots (what is left to fill, hidden part of an iceberg included). */
  quantity?: number;
}

export interface CancelAll extends CommandBase {
  type: 'CancelAll';
  user: string;
  market?: string;
}

export interface AdjustBalance extends CommandBase {
  type: 'AdjustBalance';
  user: string;
  asset: string;
  /** Signed atoms: positive credits, negative debits. */
  amount: number;
  idempotencyKey: string;
}

export interface AddMarket extends CommandBase {
  type: 'AddMarket';
  spec: MarketSpec;
}

export interface SuspendMarket extends CommandBase {
  type: 'SuspendMarket';
  market: string;
}

export interface ResumeMarket extends CommandBase {
  type: 'ResumeMarket';
  market: string;
}

/**
 * A user's fee tier (the app computes it from 30-day volume and the configured schedule): the
 * rates their fills pay from now on, resting orders included. Level 0 = the markets' own rates.
 */
export interface SetUserFees extends CommandBase {
  type: 'SetUserFees';
  user: string;
  level: number;
  makerBps: number;
  takerBps: number;
}

/** Advances the clock only: expires DAY/GTD orders whose time has come. */
export interface Tick extends CommandBase {
  type: 'Tick';
}

export type Command = PlaceOrder | CancelOrder | AmendOrder | CancelAll | AdjustBalance | AddMarket | SuspendMarket | ResumeMarket | SetUserFees | Tick;

/** Every reason a command can be refused (the risk and matching stages of the error-code contract). A refused command changes nothing. */
export const REJECT_CODES = ENGINE_REJECT_CODES;

export type RejectCode = EngineRejectCode;

export type ResultCode = 'OK' | RejectCode;

export type CancelReason =
  | 'USER' // CancelOrder
  | 'CANCEL_ALL'
  | 'IOC' // unfilled remainder of an IOC or market order
  | 'FOK_NOT_FILLED' // a triggered FOK stop-limit that could not fill completely
  | 'SELF_TRADE'
  | 'OCO' // the other leg filled, triggered or was cancelled
  | 'INSUFFICIENT_FUNDS' // a market order ran out of reserved funds
  | 'POST_ONLY_WOULD_TAKE'; // never used for resting orders; kept for completeness of reasons

export interface BalanceView {
  available: number;
  locked: number;
}

export type EngineEvent =
  | { type: 'Rejected'; command: Command['type']; code: RejectCode; clientOrderId?: string; orderId?: number }
  | {
      type: 'OrderAccepted';
      orderId: number;
      market: string;
      user: string;
      clientOrderId?: string;
      side: Side;
      orderType: OrderType;
      timeInForce: TimeInForce;
      price: number;
      stopPrice: number;
      quantity: number;
      quoteAmount: number;
      expireAt: number;
      ocoPeerId?: number;
    }
  | { type: 'OrderRested'; orderId: number; market: string; side: Side; price: number; visible: number; remaining: number }
  | {
      type: 'Trade';
      tradeId: number;
      market: string;
      price: number;
      quantity: number;
      takerOrderId: number;
      makerOrderId: number;
      takerUser: string;
      makerUser: string;
      takerSide: Side;
      takerFee: number;
      makerFee: number;
      takerRemaining: number;
      makerRemaining: number;
    }
  | { type: 'IcebergRefreshed'; orderId: number; visible: number; remaining: number }
  | { type: 'OrderCancelled'; orderId: number; user: string; reason: CancelReason; remaining: number }
  | { type: 'OrderExpired'; orderId: number; user: string; remaining: number }
  | { type: 'OrderFilled'; orderId: number; user: string }
  | { type: 'OrderTriggered'; orderId: number; lastPrice: number }
  | { type: 'OrderAmended'; orderId: number; price: number; remaining: number; priorityLost: boolean }
  | { type: 'BalanceChanged'; user: string; asset: string; available: number; locked: number }
  | { type: 'BalanceAdjusted'; user: string; asset: string; amount: number; idempotencyKey: string }
  | { type: 'MarketAdded'; market: string }
  | { type: 'MarketSuspended'; market: string }
  | { type: 'MarketResumed'; market: string };

export interface CommandResult {
  code: ResultCode;
  /** Everything that happened, in order. Rejections carry one `Rejected` event. */
  events: EngineEvent[];
  /** Id of the order a PlaceOrder created (the limit leg for OCO). */
  orderId?: number;
}
