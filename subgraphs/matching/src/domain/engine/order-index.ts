import type { Order } from './market';

/**
 * Live orders by id. Ids are handed out sequentially, so `id & mask` spreads live orders over the
 * buckets almost without collisions; each bucket is a short chain linked through the orders
 * themselves (`indexNext`). A lookup is one array load plus the order itself, which the caller
 * touches next anyway — measurably cheaper on the amend/cancel hot path than a Map, whose lookup
 * walks its own hash table first.
 */
export class OrderIndex {
  private buckets: (Order | null)[] = new Array<Order | null>(1024).fill(null);
  private mask = 1023;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): Order | undefined {
    for (let o = this.buckets[id & this.mask]; o !== null; o = o.indexNext) {
      if (o.id === id) return o;
    }
    return undefined;
  }

  add(order: Order): void {
    if (this.count >= this.buckets.length >> 1) this.grow();
    const slot = order.id & this.mask;
    order.indexNext = this.buckets[slot];
    this.buckets[slot] = order;
    this.count++;
  }

  delete(order: Order): void {
    const slot = order.id & this.mask;
    let o = this.buckets[slot];
    if (o === order) {
      this.buckets[slot] = order.indexNext;
    } else {
      while (o !== null && o.indexNext !== order) o = o.indexNext;
      if (o === null) return;
      o.indexNext = order.indexNext;
    }
    order.indexNext = null;
    this.count--;
  }

  /** Every live order, in no particular order. */
  values(): Order[] {
    const all: Order[] = [];
    for (const head of this.buckets) {
      for (let o = head; o !== null; o = o.indexNext) all.push(o);
    }
    return all;
  }

  private grow(): void {
    const old = this.buckets;
    this.buckets = new Array<Order | null>(old.length * 2).fill(null);
    this.mask = this.buckets.length - 1;
    this.count = 0;
    for (const head of old) {
      for (let o = head; o !== null;) {
        const next = o.indexNext;
        this.add(o);
        o = next;
      }
    }
  }
}
