import { FeeAccount, OrderStatus, Order } from './market';
import { buildMarket } from './market-spec';
import type { MarketState } from './market';
import { compare, orderSnapshot, snapshotHash, sortedEntries, type EngineSnapshot, type OrderSnapshot } from './snapshot';
import { Triggers } from './triggers';
import type { CommandResult, MarketSpec } from './types';

/**
 * The engine's whole state as plain data and back: `snapshot()` in a canonical order, `load()`
 * into a fresh engine (Engine.restore), and the hash that proves a replay ended where the
 * original did.
 */
export abstract class EngineState extends Triggers {
  /** A market built from its spec, checked against the assets other markets already use. */
  protected buildMarket(spec: MarketSpec): MarketState {
    return buildMarket(spec, { assetDecimals: this.assetDecimals, feeAccounts: this.feeAccounts, bookSide: this.bookSide });
  }

  /**
   * The full state as plain data, in a canonical order (so equal states serialise equally,
   * whichever book produced them): markets, balances and idempotency keys sorted, orders per
   * market in book priority order (bids, then asks), then waiting orders in acceptance order.
   */
  snapshot(): EngineSnapshot {
    const markets = [...this.markets.values()].sort((a, b) => compare(a.id, b.id));
    const orders: OrderSnapshot[] = [];
    for (const m of markets) {
      for (const side of [m.bids, m.asks]) {
        for (let o = side.best(); o !== undefined; o = side.after(o)) orders.push(orderSnapshot(o));
      }
      for (const o of m.waiting) orders.push(orderSnapshot(o));
    }
    const balances: EngineSnapshot['balances'] = [];
    for (const [user, account] of this.accounts) {
      for (const [asset, b] of account) {
        // Zero balances are left out so that merely looking one up (which creates it) is invisible.
        if (b.available !== 0 || b.locked !== 0) balances.push([user, asset, b.available, b.locked]);
      }
    }
    balances.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
    const feeTiers: NonNullable<EngineSnapshot['feeTiers']> = [];
    for (const [user, rates] of this.feeTiers) if (rates.level !== 0) feeTiers.push([user, rates.level, rates.makerBps, rates.takerBps]);
    feeTiers.sort((a, b) => compare(a[0], b[0]));
    return {
      version: 1,
      clock: this.clock,
      nextOrderId: this.nextOrderId,
      nextTradeId: this.nextTradeId,
      markets: markets.map((m) => ({ spec: { ...m.spec }, suspended: m.suspended, lastPrice: m.lastPrice })),
      supply: sortedEntries(this.supply),
      fees: sortedEntries(new Map([...this.feeAccounts].map(([asset, f]) => [asset, f.amount]))),
      balances,
      orders,
      adjustments: [...this.adjustments]
        .sort((a, b) => compare(a[0], b[0]))
        .map(([key, result]) => [key, JSON.parse(JSON.stringify(result)) as CommandResult]),
      // Only when some user has a tier, so the snapshots (and hashes) of engines without tiers stay as they were.
      ...(feeTiers.length > 0 ? { feeTiers } : {}),
    };
  }

  /** Loads `snapshot()` output (possibly after a JSON round trip) into this fresh engine (see Engine.restore). */
  protected load(snapshot: EngineSnapshot): void {
    for (const { spec, suspended, lastPrice } of snapshot.markets) {
      const m = this.buildMarket(spec);
      m.suspended = suspended;
      m.lastPrice = lastPrice;
      this.markets.set(spec.id, m);
      this.assetDecimals.set(spec.base, spec.baseDecimals);
      this.assetDecimals.set(spec.quote, spec.quoteDecimals);
    }
    for (const [asset, amount] of snapshot.supply) this.supply.set(asset, amount);
    for (const [asset, amount] of snapshot.fees) {
      let fees = this.feeAccounts.get(asset);
      if (!fees) this.feeAccounts.set(asset, (fees = new FeeAccount(asset)));
      fees.amount = amount;
    }
    for (const [user, asset, available, locked] of snapshot.balances) {
      const b = this.balance(user, asset);
      b.available = available;
      b.locked = locked;
    }
    for (const [user, level, makerBps, takerBps] of snapshot.feeTiers ?? []) {
      const rates = this.feeRates(user);
      rates.level = level;
      rates.makerBps = makerBps;
      rates.takerBps = takerBps;
    }
    const byId = new Map<number, Order>();
    for (const s of snapshot.orders) {
      const m = this.markets.get(s.market);
      if (!m) throw new Error(`order ${s.id} refers to unknown market ${s.market}`);
      const base = this.balance(s.user, m.spec.base);
      const quote = this.balance(s.user, m.spec.quote);
      const isBuy = s.side === 'buy';
      const order = new Order(
        s.id,
        s.user,
        m,
        s.side,
        s.orderType,
        s.timeInForce,
        s.price,
        s.stopPrice,
        s.remaining,
        s.quoteAmount,
        s.displayQuantity,
        s.postOnly,
        s.selfTradePrevention,
        s.expireAt,
        s.clientOrderId ?? undefined,
        s.trailingAmount,
        s.trailingBps,
        isBuy ? quote : base,
        isBuy ? base : quote,
        this.feeRates(s.user),
      );
      order.visible = s.visible;
      order.reserved = s.reserved;
      order.quoteTraded = s.quoteTraded;
      order.trailReference = s.trailReference;
      byId.set(s.id, order);
      if (s.status === 'resting') {
        order.status = OrderStatus.Resting;
        (isBuy ? m.bids : m.asks).add(order);
      } else {
        order.status = OrderStatus.Waiting;
        m.waiting.push(order);
      }
    }
    for (const s of snapshot.orders) {
      const order = byId.get(s.id) as Order;
      if (s.ocoPeerId !== null) order.ocoPeer = byId.get(s.ocoPeerId) ?? null;
    }
    // Register in id order so the expiry heap and client-id index come out the same as the original's.
    for (const order of [...byId.values()].sort((a, b) => a.id - b.id)) {
      this.liveOrders.add(order);
      if (order.clientOrderId !== undefined && (order.ocoPeer === null || order.ocoPeer.id > order.id)) {
        let byClientId = this.clientOrderIds.get(order.user);
        if (!byClientId) this.clientOrderIds.set(order.user, (byClientId = new Map()));
        byClientId.set(order.clientOrderId, order);
      }
      if (order.expireAt > 0) this.expiries.push(order);
    }
    for (const [key, result] of snapshot.adjustments) this.adjustments.set(key, result);
    this.clock = snapshot.clock;
    this.nextOrderId = snapshot.nextOrderId;
    this.nextTradeId = snapshot.nextTradeId;
  }

  /** sha256 over the canonical snapshot: equal for equal books, balances, orders and counters. */
  stateHash(): string {
    return snapshotHash(this.snapshot());
  }
}
