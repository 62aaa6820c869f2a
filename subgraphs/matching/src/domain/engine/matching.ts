import type { BookSide } from './book';
import { feeFor } from './limits';
import { OrderLifecycle } from './lifecycle';
import { OrderStatus, type Order } from './market';

/** How a taker's matching loop ended. */
const enum MatchEnd {
  Filled,
  NoLiquidity,
  OutOfFunds,
  SelfTradeCancelled,
}

/**
 * Matching: a live order against the opposite side of its book in price-time priority, with
 * self-trade prevention, icebergs, funds-bounded market orders and the fill-or-kill pre-check;
 * then what is left rests, completes or is cancelled.
 */
export abstract class Matching extends OrderLifecycle {
  protected nextTradeId = 1;

  /** Runs a live order against the book, then rests, cancels or completes what is left. */
  protected execute(order: Order): void {
    const end = this.match(order);
    if (order.status === OrderStatus.Done) return;
    if (end === MatchEnd.Filled) {
      this.complete(order);
    } else if (order.price > 0 && order.timeInForce !== 'IOC' && order.timeInForce !== 'FOK') {
      this.rest(order);
    } else if (order.isSizedByQuote && end === MatchEnd.OutOfFunds) {
      this.complete(order); // the budget is spent down to less than one lot
    } else {
      this.cancel(order, end === MatchEnd.OutOfFunds ? 'INSUFFICIENT_FUNDS' : 'IOC');
    }
  }

  /** Price-time priority matching of `taker` against the opposite side. */
  protected match(taker: Order): MatchEnd {
    const m = taker.market;
    const isBuy = taker.isBuy;
    const book = isBuy ? m.asks : m.bids;
    const limit = taker.price;
    const bySize = !taker.isSizedByQuote;
    for (;;) {
      if (bySize && taker.remaining === 0) return MatchEnd.Filled;
      const maker = book.best();
      if (maker === undefined) return MatchEnd.NoLiquidity;
      if (limit !== 0 && (isBuy ? maker.price > limit : maker.price < limit)) return MatchEnd.NoLiquidity;
      if (maker.user === taker.user) {
        const mode = taker.selfTradePrevention;
        if (mode !== 'cancel-newest') this.cancel(maker, 'SELF_TRADE');
        if (mode === 'cancel-oldest') continue;
        this.cancel(taker, 'SELF_TRADE');
        return MatchEnd.SelfTradeCancelled;
      }
      let quantity = bySize && taker.remaining < maker.visible ? taker.remaining : maker.visible;
      if (limit === 0) {
        quantity = this.fundedQuantity(taker, maker.price, quantity);
        if (quantity === 0) return MatchEnd.OutOfFunds;
      }
      this.trade(taker, maker, quantity, book);
    }
  }

  protected trade(taker: Order, maker: Order, quantity: number, book: BookSide<Order>): void {
    const m = taker.market;
    const price = maker.price;
    const notional = price * quantity * m.quoteAtomsPerTickLot;
    const baseAtoms = quantity * m.baseAtomsPerLot;
    // The user's tier, never above the market's rate (FeeRates).
    const takerBps = taker.fees.takerBps;
    const makerBps = maker.fees.makerBps;
    const takerFee = feeFor(notional, takerBps < m.takerFeeBps ? takerBps : m.takerFeeBps);
    const makerFee = feeFor(notional, makerBps < m.makerFeeBps ? makerBps : m.makerFeeBps);
    const takerBuys = taker.isBuy;
    const buyer = takerBuys ? taker : maker;
    const seller = takerBuys ? maker : taker;
    const paid = notional + (takerBuys ? takerFee : makerFee);

    buyer.reserved -= paid;
    buyer.reserveBalance.locked -= paid;
    buyer.proceedsBalance.available += baseAtoms;
    seller.reserved -= baseAtoms;
    seller.reserveBalance.locked -= baseAtoms;
    seller.proceedsBalance.available += notional - (takerBuys ? makerFee : takerFee);
    m.fees.amount += takerFee + makerFee;
    this.touch(buyer.reserveBalance);
    this.touch(buyer.proceedsBalance);
    this.touch(seller.reserveBalance);
    this.touch(seller.proceedsBalance);

    if (!taker.isSizedByQuote) taker.remaining -= quantity;
    taker.quoteTraded += notional;
    maker.remaining -= quantity;
    maker.visible -= quantity;
    m.lastPrice = price;
    this.emit({
      type: 'Trade',
      tradeId: this.nextTradeId++,
      market: m.id,
      price,
      quantity,
      takerOrderId: taker.id,
      makerOrderId: maker.id,
      takerUser: taker.user,
      makerUser: maker.user,
      takerSide: taker.side,
      takerFee,
      makerFee,
      takerRemaining: taker.remaining,
      makerRemaining: maker.remaining,
    });

    // A fill of either OCO leg cancels the other one.
    if (taker.ocoPeer) this.cancelPeer(taker);
    if (maker.ocoPeer) this.cancelPeer(maker);
    if (maker.visible === 0) {
      book.remove(maker);
      if (maker.remaining === 0) {
        this.complete(maker);
        return;
      }
      // Iceberg: show the next slice, at the back of the queue.
      maker.visible = Math.min(maker.displayQuantity, maker.remaining);
      book.add(maker);
      this.emit({ type: 'IcebergRefreshed', orderId: maker.id, visible: maker.visible, remaining: maker.remaining });
    }
    if (maker.isBuy) this.trimBuyReservation(maker);
  }

  /** Would an order on the other side of `opposite` at `price` take liquidity? */
  protected crosses(opposite: BookSide<Order>, isBuy: boolean, price: number): boolean {
    const best = opposite.best();
    return best !== undefined && (isBuy ? best.price <= price : best.price >= price);
  }

  /**
   * FOK pre-check: can `order` fill completely, counting exactly what the matching loop would
   * meet? Within a price level the taker consumes orders in turn and an iceberg's refreshed slice
   * goes to the back of the same level, so a level yields all its hidden quantity too — unless the
   * taker hits one of its own orders there with cancel-newest/cancel-both, where it stops (icebergs
   * before that point only yield their visible slice).
   */
  protected canFillCompletely(order: Order): boolean {
    const m = order.market;
    const isBuy = order.isBuy;
    const book = isBuy ? m.asks : m.bids;
    const skipsOwn = order.selfTradePrevention === 'cancel-oldest';
    let needed = order.remaining;
    let notional = 0;
    let maker = book.best();
    while (maker !== undefined && needed > 0) {
      const levelPrice = maker.price;
      if (order.price !== 0 && (isBuy ? levelPrice > order.price : levelPrice < order.price)) break;
      let full = 0;
      let visible = 0;
      let stopped = false;
      while (maker !== undefined && maker.price === levelPrice) {
        if (maker.user === order.user) {
          if (!skipsOwn) {
            stopped = true;
            break;
          }
        } else {
          full += maker.remaining;
          visible += maker.visible;
        }
        maker = book.after(maker);
      }
      const taken = Math.min(needed, stopped ? visible : full);
      needed -= taken;
      notional += m.notional(levelPrice, taken);
      if (stopped) break;
    }
    if (needed > 0) return false;
    // A market buy must also afford it; fees of partial fills never exceed the fee on the sum.
    return !(order.price === 0 && isBuy && notional + feeFor(notional, m.takerFeeBps) > order.reserved);
  }
}
