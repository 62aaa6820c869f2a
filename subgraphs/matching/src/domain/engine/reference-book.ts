import type { BookOrder, BookSide } from './book';

/**
 * The reference book side: one array of orders in priority order and linear scans. Obviously
 * correct and slow on purpose; property tests require the engine to produce the same events
 * with this book as with the fast one.
 */
export class ReferenceBookSide<O extends BookOrder> implements BookSide<O> {
  private readonly orders: O[] = [];

  constructor(private readonly isBid: boolean) {}

  get size(): number {
    return this.orders.length;
  }

  best(): O | undefined {
    return this.orders[0];
  }

  add(order: O): void {
    // Behind every order at the same or a better price.
    let index = 0;
    while (index < this.orders.length && !this.isBetter(order.price, this.orders[index].price)) index++;
    this.orders.splice(index, 0, order);
  }

  remove(order: O): void {
    const index = this.orders.indexOf(order);
    if (index < 0) throw new Error(`order ${order.id} is not in the book`);
    this.orders.splice(index, 1);
  }

  after(order: O): O | undefined {
    const index = this.orders.indexOf(order);
    return index < 0 ? undefined : this.orders[index + 1];
  }

  private isBetter(price: number, than: number): boolean {
    return this.isBid ? price > than : price < than;
  }
}

export const referenceBookSide = <O extends BookOrder>(isBid: boolean): BookSide<O> => new ReferenceBookSide<O>(isBid);
