import type { BookSide, BookSideFactory } from './book';
import { fastBookSide } from './fast-book';
import { Order, OrderStatus } from './market';
import { MAX_FEE_BPS } from './limits';
import { referenceBookSide } from './reference-book';
import { orderSnapshot, type EngineSnapshot, type OrderSnapshot } from './snapshot';
import { Rejection } from './base';
import { EngineState } from './state';
import type {
  AddMarket,
  AmendOrder,
  BalanceView,
  CancelAll,
  CancelOrder,
  Command,
  CommandResult,
  MarketSpec,
  OrderType,
  PlaceOrder,
  ResultCode,
} from './types';
import { MARKET_STYLE, checkPrice, checkQuantity, validateOrder } from './validation';

export { nextSessionClose } from './market-spec';
export { snapshotHash } from './snapshot';

export interface EngineOptions {
  /** Which book implementation to use: the fast one (default) or the naive reference one. */
  book?: 'fast' | 'reference' | BookSideFactory<Order>;
}

/**
 * The matching engine: a single-writer state machine. `apply(command)` is the only way to change
 * state; it is deterministic (time comes from the commands) so replaying a journal from a snapshot
 * reproduces the same state, which `stateHash()` proves.
 *
 * This class takes the commands and answers the queries; the work is done by the layers it
 * extends, one file each (see base.ts): risk.ts (balances, locks, reservations, fees),
 * lifecycle.ts (live orders), matching.ts (a taker against the book), triggers.ts (stops, OCO,
 * expiry) and state.ts (snapshot, restore, state hash).
 */
export class Engine extends EngineState {
  constructor(options: EngineOptions = {}) {
    const book = options.book ?? 'fast';
    super(book === 'fast' ? fastBookSide : book === 'reference' ? referenceBookSide : book);
  }

  /** Rebuilds an engine from `snapshot()` output (possibly after a JSON round trip). */
  static restore(snapshot: EngineSnapshot, options: EngineOptions = {}): Engine {
    if (snapshot.version !== 1) throw new Error(`unsupported snapshot version ${String(snapshot.version)}`);
    const engine = new Engine(options);
    engine.load(snapshot);
    return engine;
  }

  /** The sequencer's time: the timestamp of the latest command applied. */
  get now(): number {
    return this.clock;
  }

  apply(command: Command): CommandResult {
    this.eventCount = 0;
    if (!(command.ts >= this.clock) || !Number.isSafeInteger(command.ts)) {
      return this.rejected(command, 'STALE_TIMESTAMP');
    }
    this.commandSeq++;
    if (command.ts > this.clock) {
      this.clock = command.ts;
      this.expireDue();
    }
    const before = this.eventCount;
    let orderId: number | undefined;
    try {
      switch (command.type) {
        case 'PlaceOrder':
          orderId = this.placeOrder(command);
          break;
        case 'CancelOrder':
          this.cancelOrder(command);
          break;
        case 'AmendOrder':
          this.amendOrder(command);
          break;
        case 'CancelAll':
          this.cancelAll(command);
          break;
        case 'AdjustBalance':
          return this.adjustBalance(command, before);
        case 'AddMarket':
          this.addMarket(command);
          break;
        case 'SuspendMarket':
        case 'ResumeMarket':
          this.setSuspended(command.market, command.type === 'SuspendMarket');
          break;
        case 'SetUserFees':
          this.setUserFees(command);
          break;
        case 'Tick':
          break;
        default:
          throw new Rejection('INVALID_ORDER');
      }
    } catch (error) {
      // Every handler validates before it mutates, so a rejection leaves the state untouched.
      if (!(error instanceof Rejection)) throw error;
      this.flushBalances();
      return this.rejected(command, error.code);
    }
    this.flushBalances();
    return orderId === undefined ? { code: 'OK', events: this.takeEvents() } : { code: 'OK', events: this.takeEvents(), orderId };
  }

  // ---------------------------------------------------------------- commands

  private placeOrder(c: PlaceOrder): number {
    const m = this.markets.get(c.market);
    if (!m) throw new Rejection('UNKNOWN_MARKET');
    if (m.suspended) throw new Rejection('MARKET_SUSPENDED');
    if (typeof c.user !== 'string' || c.user === '') throw new Rejection('INVALID_ORDER');
    if (c.clientOrderId !== undefined && this.clientOrderIds.get(c.user)?.has(c.clientOrderId)) {
      throw new Rejection('DUPLICATE_CLIENT_ORDER_ID');
    }
    const p = validateOrder(c, m);
    const { base, quote, fees } = this.holdings(c.user, m);
    const isBuy = c.side === 'buy';
    const reserveBalance = isBuy ? quote : base;
    const reservation = this.initialReservation(c, m, p, reserveBalance);
    if (reservation > reserveBalance.available) throw new Rejection('INSUFFICIENT_FUNDS');

    const opposite = isBuy ? m.asks : m.bids;
    if (c.postOnly && this.crosses(opposite, isBuy, p.price)) throw new Rejection('POST_ONLY_WOULD_TAKE');
    const makeOrder = (id: number, type: OrderType, price: number, stopPrice: number): Order =>
      new Order(
        id,
        c.user,
        m,
        c.side,
        type,
        p.timeInForce,
        price,
        stopPrice,
        p.quantity,
        p.quoteAmount,
        c.displayQuantity ?? 0,
        c.postOnly ?? false,
        c.selfTradePrevention ?? 'cancel-newest',
        p.expireAt,
        c.clientOrderId,
        c.trailingAmount ?? 0,
        c.trailingBps ?? 0,
        reserveBalance,
        isBuy ? base : quote,
        fees,
      );
    const order = makeOrder(
      this.nextOrderId,
      c.orderType,
      c.orderType === 'oco' || !MARKET_STYLE.has(c.orderType) ? p.price : 0,
      c.orderType === 'oco' ? 0 : p.stopPrice,
    );
    order.reserved = reservation;
    if (p.timeInForce === 'FOK' && c.orderType !== 'stop-limit' && !this.canFillCompletely(order)) {
      throw new Rejection('FOK_NOT_FILLED');
    }

    // Accepted: from here on nothing can be rejected.
    this.nextOrderId++;
    this.lock(reserveBalance, reservation);
    this.register(order);
    let stopLeg: Order | undefined;
    if (c.orderType === 'oco') {
      stopLeg = makeOrder(this.nextOrderId++, 'oco', c.stopLimitPrice ?? 0, p.stopPrice);
      order.ocoPeer = stopLeg;
      stopLeg.ocoPeer = order;
      this.register(stopLeg);
    }
    this.accepted(order, stopLeg);
    if (stopLeg) this.accepted(stopLeg, order);

    if (c.orderType === 'limit' || c.orderType === 'market' || c.orderType === 'oco') {
      this.execute(order);
    } else {
      this.wait(order);
    }
    if (stopLeg && stopLeg.status !== OrderStatus.Done) this.wait(stopLeg);
    this.runTriggers(m);
    return order.id;
  }

  private cancelOrder(c: CancelOrder): void {
    let order: Order | undefined;
    if (c.orderId !== undefined) order = this.liveOrders.get(c.orderId);
    else if (c.clientOrderId !== undefined) order = this.clientOrderIds.get(c.user)?.get(c.clientOrderId);
    if (!order || order.user !== c.user) throw new Rejection('UNKNOWN_ORDER');
    this.cancel(order, 'USER');
  }

  private cancelAll(c: CancelAll): void {
    if (c.market !== undefined && !this.markets.has(c.market)) throw new Rejection('UNKNOWN_MARKET');
    const targets: Order[] = [];
    for (const order of this.liveOrders.values()) {
      if (order.user === c.user && (c.market === undefined || order.market.id === c.market)) targets.push(order);
    }
    targets.sort((a, b) => a.id - b.id);
    for (const order of targets) this.cancel(order, 'CANCEL_ALL');
  }

  /**
   * Changes a resting order's price and/or open quantity. The order keeps its place in the queue
   * only when nothing but a smaller quantity is asked for; a new price or a larger quantity sends it
   * to the back (and a crossing price makes it trade at once, as a taker).
   */
  private amendOrder(c: AmendOrder): void {
    const order = this.liveOrders.get(c.orderId);
    if (!order || order.user !== c.user) throw new Rejection('UNKNOWN_ORDER');
    const m = order.market;
    if (m.suspended) throw new Rejection('MARKET_SUSPENDED');
    if (order.status !== OrderStatus.Resting || order.ocoPeer) throw new Rejection('ORDER_NOT_AMENDABLE');
    const price = c.price === undefined ? order.price : checkPrice(c.price, m);
    const quantity = c.quantity === undefined ? order.remaining : checkQuantity(c.quantity, m);
    if (m.notional(price, quantity) < m.minNotional) throw new Rejection('BELOW_MIN_NOTIONAL');
    const isBuy = order.isBuy;
    const crossing = this.crosses(isBuy ? m.asks : m.bids, isBuy, price);
    if (crossing && order.postOnly) throw new Rejection('POST_ONLY_WOULD_TAKE');
    const reservation = isBuy ? m.buyReservation(price, quantity) : quantity * m.baseAtomsPerLot;
    const extra = reservation - order.reserved;
    // (Reading the balance only when more is needed saves a cache miss on most amends.)
    if (extra > 0 && extra > order.reserveBalance.available) throw new Rejection('INSUFFICIENT_FUNDS');

    if (extra > 0) this.lock(order.reserveBalance, extra);
    else if (extra < 0) this.unlock(order.reserveBalance, -extra);
    order.reserved = reservation;
    const keepsPriority = price === order.price && quantity <= order.remaining;
    if (keepsPriority) {
      order.remaining = quantity;
      if (order.visible > quantity) order.visible = quantity;
      this.emit({ type: 'OrderAmended', orderId: order.id, price, remaining: quantity, priorityLost: false });
      return;
    }
    const side = isBuy ? m.bids : m.asks;
    side.remove(order);
    order.price = price;
    order.remaining = quantity;
    this.emit({ type: 'OrderAmended', orderId: order.id, price, remaining: quantity, priorityLost: true });
    if (crossing) {
      order.status = OrderStatus.Working;
      this.execute(order);
      this.runTriggers(m);
    } else {
      order.visible = order.displayQuantity > 0 && order.displayQuantity < quantity ? order.displayQuantity : quantity;
      side.add(order);
    }
  }

  private addMarket(c: AddMarket): void {
    const spec = c.spec;
    if (!spec || typeof spec.id !== 'string' || spec.id === '') throw new Rejection('INVALID_MARKET');
    if (this.markets.has(spec.id)) throw new Rejection('DUPLICATE_MARKET');
    const market = this.buildMarket(spec);
    this.markets.set(spec.id, market);
    this.assetDecimals.set(spec.base, spec.baseDecimals);
    this.assetDecimals.set(spec.quote, spec.quoteDecimals);
    this.emit({ type: 'MarketAdded', market: spec.id });
  }

  private setSuspended(marketId: string, suspended: boolean): void {
    const m = this.markets.get(marketId);
    if (!m) throw new Rejection('UNKNOWN_MARKET');
    m.suspended = suspended;
    this.emit({ type: suspended ? 'MarketSuspended' : 'MarketResumed', market: m.id });
    if (!suspended) this.runTriggers(m);
  }

  // ---------------------------------------------------------------- queries

  balanceOf(user: string, asset: string): BalanceView {
    const b = this.accounts.get(user)?.get(asset);
    return { available: b?.available ?? 0, locked: b?.locked ?? 0 };
  }

  /**
   * Per asset: what users hold (available, locked), the fees collected, and the net of the
   * adjustments whose key `isOther` picks out (funding's reconciliation separates the money it
   * moved from demo credits). Read-only: nothing of the state changes. Summed as bigints: one
   * account's atoms fit a number, the whole exchange's may not (2^53 atoms is 90 million units).
   */
  assetTotals(isOther: (idempotencyKey: string) => boolean): Map<string, { available: bigint; locked: bigint; fees: bigint; otherAdjustments: bigint }> {
    const totals = new Map<string, { available: bigint; locked: bigint; fees: bigint; otherAdjustments: bigint }>();
    const of = (asset: string) => {
      let t = totals.get(asset);
      if (!t) totals.set(asset, (t = { available: 0n, locked: 0n, fees: 0n, otherAdjustments: 0n }));
      return t;
    };
    for (const account of this.accounts.values()) {
      for (const [asset, b] of account) {
        const t = of(asset);
        t.available += BigInt(b.available);
        t.locked += BigInt(b.locked);
      }
    }
    for (const [asset, f] of this.feeAccounts) of(asset).fees += BigInt(f.amount);
    for (const [key, result] of this.adjustments) {
      if (result.code !== 'OK' || !isOther(key)) continue;
      for (const e of result.events) if (e.type === 'BalanceAdjusted' && e.idempotencyKey === key) of(e.asset).otherAdjustments += BigInt(e.amount);
    }
    return totals;
  }

  /** Fees collected so far in `asset`. */
  feesCollected(asset: string): number {
    return this.feeAccounts.get(asset)?.amount ?? 0;
  }

  lastPrice(marketId: string): number | undefined {
    const m = this.markets.get(marketId);
    return m && m.lastPrice > 0 ? m.lastPrice : undefined;
  }

  /** Users whose fee tier is above level 0. */
  usersWithFeeTier(): string[] {
    const users: string[] = [];
    for (const [user, rates] of this.feeTiers) if (rates.level !== 0) users.push(user);
    return users;
  }

  /** A user's fee tier: its level and the rates a fill in `marketId` charges them (SetUserFees). */
  userFees(user: string, marketId?: string): { level: number; makerBps: number; takerBps: number } {
    const rates = this.feeTiers.get(user);
    const m = marketId === undefined ? undefined : this.markets.get(marketId);
    const level = rates?.level ?? 0;
    const maker = rates?.makerBps ?? MAX_FEE_BPS;
    const taker = rates?.takerBps ?? MAX_FEE_BPS;
    return {
      level,
      makerBps: m ? Math.min(maker, m.makerFeeBps) : maker,
      takerBps: m ? Math.min(taker, m.takerFeeBps) : taker,
    };
  }

  marketSpec(marketId: string): MarketSpec | undefined {
    return this.markets.get(marketId)?.spec;
  }

  /** Undefined for an unknown market. */
  isSuspended(marketId: string): boolean | undefined {
    return this.markets.get(marketId)?.suspended;
  }

  /** Ids of every market the engine knows, in the order they were added. */
  marketIds(): string[] {
    return [...this.markets.keys()];
  }

  order(orderId: number): OrderSnapshot | undefined {
    const order = this.liveOrders.get(orderId);
    return order && orderSnapshot(order);
  }

  /** Aggregated visible quantity per price, best first. */
  depth(marketId: string, maxLevels = Infinity): { bids: PriceLevelView[]; asks: PriceLevelView[] } {
    const m = this.markets.get(marketId);
    if (!m) return { bids: [], asks: [] };
    return { bids: levelsOf(m.bids, maxLevels), asks: levelsOf(m.asks, maxLevels) };
  }
}

export interface PriceLevelView {
  price: number;
  quantity: number;
  orders: number;
}

function levelsOf(side: BookSide<Order>, maxLevels: number): PriceLevelView[] {
  const levels: PriceLevelView[] = [];
  for (let o = side.best(); o !== undefined; o = side.after(o)) {
    const last = levels[levels.length - 1];
    if (last && last.price === o.price) {
      last.quantity += o.visible;
      last.orders++;
    } else {
      if (levels.length === maxLevels) break;
      levels.push({ price: o.price, quantity: o.visible, orders: 1 });
    }
  }
  return levels;
}

export type { ResultCode };
