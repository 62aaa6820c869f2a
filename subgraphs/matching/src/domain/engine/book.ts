import type { Order } from './order';

/**
 * One side of one market's book: resting orders in price-time priority. The engine does all
 * the matching, accounting and event logic; a book only keeps order. Two implementations sit
 * behind this interface — the fast one used in production and a deliberately naive reference
 * one that property tests run side by side with it.
 */
export interface BookSide {
  /** Puts the order at the back of the queue at its price. */
  add(order: Order): void;
  remove(order: Order): void;
  /** The order with the highest priority (best price, then earliest), if any. */
  best(): Order | undefined;
  /** The next order in priority after `order`, which must be in this side. */
  after(order: Order): Order | undefined;
  readonly size: number;
}

/** `isBid`: bids rank higher prices first, asks lower prices first. */
export type BookSideFactory = (isBid: boolean) => BookSide;
