import { mulBpsFloor } from './limits';
import { OrderStatus, type MarketState, type Order } from './market';
import { Matching } from './matching';

/**
 * Triggers: stop-style orders (stop-loss, take-profit, stop-limit, trailing stops, an OCO's stop
 * leg) wait for the last trade price, then execute as takers; DAY and GTD orders expire when the
 * clock passes their time.
 */
export abstract class Triggers extends Matching {
  protected wait(order: Order): void {
    order.status = OrderStatus.Waiting;
    if (order.trailingAmount > 0 || order.trailingBps > 0) order.trailReference = order.market.lastPrice;
    order.market.waiting.push(order);
  }

  /**
   * Triggers waiting orders whose condition holds at the last trade price, one at a time in order of
   * acceptance; each triggered order may trade and move the price, so the list is re-examined after
   * each until nothing more triggers.
   */
  protected runTriggers(m: MarketState): void {
    while (m.waiting.length > 0 && m.lastPrice > 0 && !m.suspended) {
      const last = m.lastPrice;
      let triggered: Order | undefined;
      for (const order of m.waiting) {
        if (order.orderType === 'trailing-stop') {
          if (order.isBuy ? last < order.trailReference : last > order.trailReference) order.trailReference = last;
        }
      }
      for (const order of m.waiting) {
        if (isTriggered(order, last)) {
          triggered = order;
          break;
        }
      }
      if (!triggered) return;
      this.trigger(triggered);
    }
  }

  protected trigger(order: Order): void {
    const m = order.market;
    m.waiting.splice(m.waiting.indexOf(order), 1);
    order.status = OrderStatus.Working;
    this.emit({ type: 'OrderTriggered', orderId: order.id, lastPrice: m.lastPrice });
    if (order.ocoPeer) this.cancelPeer(order);
    if (order.price === 0 && order.isBuy && !order.isSizedByQuote) {
      // A market buy by quantity: lock what is available now and buy until it runs out.
      const funds = order.reserveBalance.available;
      if (funds === 0) {
        this.cancel(order, 'INSUFFICIENT_FUNDS');
        return;
      }
      this.lock(order.reserveBalance, funds);
      order.reserved += funds;
    } else if (order.isSizedByQuote && !order.isBuy) {
      const funds = order.reserveBalance.available;
      this.lock(order.reserveBalance, funds);
      order.reserved += funds;
    }
    if (order.timeInForce === 'FOK' && !this.canFillCompletely(order)) {
      this.cancel(order, 'FOK_NOT_FILLED');
      return;
    }
    this.execute(order);
  }

  protected expireDue(): void {
    for (let next = this.expiries.peek(); next !== undefined && next.expireAt <= this.clock; next = this.expiries.peek()) {
      this.expiries.pop();
      if (next.status === OrderStatus.Done) continue;
      this.detach(next);
      this.retire(next);
      this.emit({ type: 'OrderExpired', orderId: next.id, user: next.user, remaining: next.remaining });
      if (next.ocoPeer) this.cancelPeer(next);
    }
  }
}

function isTriggered(order: Order, last: number): boolean {
  const isBuy = order.isBuy;
  switch (order.orderType) {
    case 'take-profit':
      return isBuy ? last <= order.stopPrice : last >= order.stopPrice;
    case 'trailing-stop': {
      const reference = order.trailReference;
      const offset = order.trailingAmount > 0 ? order.trailingAmount : Math.max(1, mulBpsFloor(reference, order.trailingBps));
      return isBuy ? last >= reference + offset : last <= reference - offset;
    }
    default: // stop-loss, stop-limit, the stop leg of an OCO
      return isBuy ? last >= order.stopPrice : last <= order.stopPrice;
  }
}
