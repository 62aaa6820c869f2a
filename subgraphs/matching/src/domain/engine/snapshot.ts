import { createHash } from 'node:crypto';
import { OrderStatus, type Order } from './market';
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
  /** Users with a fee tier other than 0: [user, level, maker bps, taker bps], by user. */
  feeTiers?: [string, number, number, number][];
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

/**
 * `Engine.stateHash()` of a snapshot `snapshot()` returned. Orders — nearly all of a snapshot —
 * are built field by field in a fixed order (`orderSnapshot`), so plain JSON is already canonical
 * for them; the rest (market specs and adjustment results may come back from jsonb with their
 * keys reordered) is hashed in canonical form. With 8,000 resting orders: about 8 ms, against 55
 * for canonical JSON of the whole snapshot.
 */
export function snapshotHash(snapshot: EngineSnapshot): string {
  return createHash('sha256')
    .update(canonicalJson({ ...snapshot, orders: undefined }))
    .update('\n')
    .update(JSON.stringify(snapshot.orders))
    .digest('hex');
}

export function orderSnapshot(o: Order): OrderSnapshot {
  return {
    id: o.id,
    user: o.user,
    market: o.market.id,
    side: o.side,
    orderType: o.orderType,
    timeInForce: o.timeInForce,
    status: o.status === OrderStatus.Waiting ? 'waiting' : 'resting',
    price: o.price,
    stopPrice: o.stopPrice,
    remaining: o.remaining,
    visible: o.visible,
    quoteAmount: o.quoteAmount,
    quoteTraded: o.quoteTraded,
    displayQuantity: o.displayQuantity,
    postOnly: o.postOnly,
    selfTradePrevention: o.selfTradePrevention,
    expireAt: o.expireAt,
    clientOrderId: o.clientOrderId ?? null,
    trailingAmount: o.trailingAmount,
    trailingBps: o.trailingBps,
    trailReference: o.trailReference,
    reserveAsset: o.reserveBalance.asset,
    reserved: o.reserved,
    ocoPeerId: o.ocoPeer ? o.ocoPeer.id : null,
  };
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortedEntries(map: Map<string, number>): [string, number][] {
  return [...map].sort((a, b) => compare(a[0], b[0]));
}

/**
 * JSON with object keys sorted, so the hash does not depend on key order: a snapshot or a
 * journaled command that went through Postgres jsonb comes back with its keys reordered.
 */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}
