/**
 * What a book side needs of an order: its id and price, and the links the fast book threads
 * through it (an intrusive FIFO per price level; the reference book ignores them). The engine's
 * Order is one.
 */
export interface BookOrder {
  readonly id: number;
  price: number;
  prev: this | null;
  next: this | null;
  level: unknown;
}

/**
 * One side of one market's book: resting orders in price-time priority. The engine does all
 * the matching, accounting and event logic; a book only keeps order. Two implementations sit
 * behind this interface — the fast one used in production and a deliberately naive reference
 * one that property tests run side by side with it.
 */
export interface BookSide<O extends BookOrder = BookOrder> {
  /** Puts the order at the back of the queue at its price. */
  add(order: O): void;
  remove(order: O): void;
  /** The order with the highest priority (best price, then earliest), if any. */
  best(): O | undefined;
  /** The next order in priority after `order`, which must be in this side. */
  after(order: O): O | undefined;
  readonly size: number;
}

/** `isBid`: bids rank higher prices first, asks lower prices first. */
export type BookSideFactory<O extends BookOrder = BookOrder> = (isBid: boolean) => BookSide<O>;
