import { ExpiryQueue } from './expiry-queue';
import { OrderStatus, type Order } from './market';
import { OrderIndex } from './order-index';
import { Risk } from './risk';
import type { CancelReason } from './types';

/**
 * The life of a live order: registered when accepted, rested in the book, completed, cancelled
 * (an OCO pair's survivor takes over the pair's lock and client id), each with its event and the
 * release of what it still keeps locked.
 */
export abstract class OrderLifecycle extends Risk {
  protected readonly liveOrders = new OrderIndex();
  /** user → clientOrderId → live order, to refuse duplicates and cancel by client id. */
  protected readonly clientOrderIds = new Map<string, Map<string, Order>>();
  protected readonly expiries = new ExpiryQueue();

  protected register(order: Order): void {
    this.liveOrders.add(order);
    if (order.clientOrderId !== undefined && order.ocoPeer === null) {
      let byClientId = this.clientOrderIds.get(order.user);
      if (!byClientId) this.clientOrderIds.set(order.user, (byClientId = new Map()));
      byClientId.set(order.clientOrderId, order);
    }
    if (order.expireAt > 0) this.expiries.push(order);
  }

  protected retire(order: Order): void {
    order.status = OrderStatus.Done;
    this.liveOrders.delete(order);
    if (order.clientOrderId !== undefined) {
      const byClientId = this.clientOrderIds.get(order.user);
      if (byClientId?.get(order.clientOrderId) === order) {
        byClientId.delete(order.clientOrderId);
        if (byClientId.size === 0) this.clientOrderIds.delete(order.user);
      }
    }
    if (order.reserved > 0) {
      this.unlock(order.reserveBalance, order.reserved);
      order.reserved = 0;
    }
  }

  protected rest(order: Order): void {
    const m = order.market;
    order.status = OrderStatus.Resting;
    order.visible = order.displayQuantity > 0 && order.displayQuantity < order.remaining ? order.displayQuantity : order.remaining;
    (order.isBuy ? m.bids : m.asks).add(order);
    if (order.isBuy) this.trimBuyReservation(order);
    this.emit({
      type: 'OrderRested',
      orderId: order.id,
      market: m.id,
      side: order.side,
      price: order.price,
      visible: order.visible,
      remaining: order.remaining,
    });
  }

  protected complete(order: Order): void {
    this.retire(order);
    this.emit({ type: 'OrderFilled', orderId: order.id, user: order.user });
  }

  /** Takes a live order out of wherever it is (book, waiting list), releases its lock, and cancels
   *  its OCO peer. */
  protected cancel(order: Order, reason: CancelReason): void {
    if (order.status === OrderStatus.Done) return;
    this.detach(order);
    this.retire(order);
    this.emit({ type: 'OrderCancelled', orderId: order.id, user: order.user, reason, remaining: order.remaining });
    if (order.ocoPeer) this.cancelPeer(order);
  }

  protected cancelPeer(order: Order): void {
    const peer = order.ocoPeer as Order;
    order.ocoPeer = null;
    peer.ocoPeer = null;
    // The pair's lock sits on the limit leg; the survivor keeps it.
    if (peer.reserved > 0 && order.status !== OrderStatus.Done) {
      order.reserved += peer.reserved;
      peer.reserved = 0;
    }
    this.cancel(peer, 'OCO');
    if (order.status === OrderStatus.Done) return;
    // The pair was known by the limit leg's client id; it now names the survivor.
    if (order.clientOrderId !== undefined) {
      let byClientId = this.clientOrderIds.get(order.user);
      if (!byClientId) this.clientOrderIds.set(order.user, (byClientId = new Map()));
      byClientId.set(order.clientOrderId, order);
    }
    if (order.isBuy && order.status === OrderStatus.Resting) this.trimBuyReservation(order);
  }

  protected detach(order: Order): void {
    const m = order.market;
    if (order.status === OrderStatus.Resting) {
      (order.isBuy ? m.bids : m.asks).remove(order);
    } else if (order.status === OrderStatus.Waiting) {
      m.waiting.splice(m.waiting.indexOf(order), 1);
    }
  }

  protected accepted(order: Order, peer: Order | undefined): void {
    this.emit({
      type: 'OrderAccepted',
      orderId: order.id,
      market: order.market.id,
      user: order.user,
      clientOrderId: order.clientOrderId,
      side: order.side,
      orderType: order.orderType,
      timeInForce: order.timeInForce,
      price: order.price,
      stopPrice: order.stopPrice,
      quantity: order.remaining,
      quoteAmount: order.quoteAmount,
      expireAt: order.expireAt,
      ocoPeerId: peer?.id,
    });
  }
}
