import type { CommandResult, MarketSpec, OrderType, SelfTradePrevention, Side, TimeInForce } from './types';

/** A live order as plain data. */
export interface OrderSnapshot {
  id: number;
  user: string;
  market: string;
  side: Side;
  orderType: OrderType;
  timeInForce: TimeInForce;
  /** 'resting' in the book, or 'waiting' for a trigger. */
  status: 'resting' | 'waiting';
  price: number;
  stopPrice: number;
  remaining: number;
  visible: number;
  quoteAmount: number;
  quoteTraded: number;
  displayQuantity: number;
  postOnly: boolean;
  selfTradePrevention: SelfTradePrevention;
  expireAt: number;
  clientOrderId: string | null;
  trailingAmount: number;
  trailingBps: number;
  trailReference: number;
  /** Asset and amount this order keeps locked. */
  reserveAsset: string;
  reserved: number;
  ocoPeerId: number | null;
}

/** Everything the engine needs to carry on exactly where it was; JSON-serialisable. */
export interface EngineSnapshot {
  version: 1;
  clock: number;
  nextOrderId: number;
  nextTradeId: number;
  markets: { spec: MarketSpec; suspended: boolean; lastPrice: number }[];
  /** Net deposits per asset (sum of AdjustBalance amounts). */
  supply: [asset: string, amount: number][];
  /** The fee account, per asset. */
  fees: [asset: string, amount: number][];
  /** Non-zero balances only, sorted by user then asset. */
  balances: [user: string, asset: string, available: number, locked: number][];
  /** Per market (sorted by id): bids then asks in priority order, then waiting orders by id. */
  orders: OrderSnapshot[];
  /** Applied AdjustBalance results by idempotency key, sorted by key. */
  adjustments: [key: string, result: CommandResult][];
}
