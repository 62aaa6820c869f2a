import type { BookSide } from './book';
import type { Order } from './order';

/**
 * The reference book side: one array of orders in priority order and linear scans. Obviously
 * correct and slow on purpose; property tests require the engine to produce the same events
 * with this book as with the fast one.
 */
export class ReferenceBookSide implements BookSide {
  private readonly orders: Order[] = [];

  constructor(private readonly isBid: boolean) {}

  get size(): number {
    return this.orders.length;
  }

  best(): Order | undefined {
    return this.orders[0];
  }

  add(order: Order): void {
    // Behind every order at the same or a better price.
    let index = 0;
    while (index < this.orders.length && !this.isBetter(order.price, this.orders[index].price)) index++;
    this.orders.splice(index, 0, order);
  }

  remove(order: Order): void {
    const index = this.orders.indexOf(order);
    if (index < 0) throw new Error(`order ${order.id} is not in the book`);
    this.orders.splice(index, 1);
  }

  after(order: Order): Order | undefined {
    const index = this.orders.indexOf(order);
    return index < 0 ? undefined : this.orders[index + 1];
  }

  private isBetter(price: number, than: number): boolean {
    return this.isBid ? price > than : price < than;
  }
}

export const referenceBookSide = (isBid: boolean): BookSide => new ReferenceBookSide(isBid);
