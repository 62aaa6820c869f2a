import type { BookSide } from './book';
import type { Order } from './order';

/** Orders at one price, oldest first, linked through the orders themselves (no per-order allocation). */
class PriceLevel {
  head: Order | null = null;
  tail: Order | null = null;
  constructor(
    readonly price: number,
    /** Price mapped so that "better" is always "greater": price for bids, -price for asks. */
    readonly rank: number,
  ) {}
}

/**
 * The production book side. Levels live in an array sorted by rank ascending, so the best level
 * is the last element: consuming the top of the book pops from the end and never shifts the
 * array. Finding a level is a binary search (books rarely have more than a few thousand levels,
 * so this beats a tree); orders within a level form an intrusive doubly linked list, so adding,
 * cancelling and filling an order are O(1) once its level is known.
 */
export class FastBookSide implements BookSide {
  private readonly levels: PriceLevel[] = [];
  private count = 0;

  constructor(private readonly isBid: boolean) {}

  get size(): number {
    return this.count;
  }

  best(): Order | undefined {
    const n = this.levels.length;
    return n === 0 ? undefined : (this.levels[n - 1].head ?? undefined);
  }

  add(order: Order): void {
    const rank = this.isBid ? order.price : -order.price;
    const levels = this.levels;
    let index = this.search(rank);
    let level: PriceLevel;
    if (index >= 0) {
      level = levels[index];
    } else {
      index = ~index;
      level = new PriceLevel(order.price, rank);
      if (index === levels.length) levels.push(level);
      else levels.splice(index, 0, level);
    }
    order.level = level;
    order.next = null;
    order.prev = level.tail;
    if (level.tail) level.tail.next = order;
    else level.head = order;
    level.tail = order;
    this.count++;
  }

  remove(order: Order): void {
    const level = order.level as PriceLevel;
    if (order.prev) order.prev.next = order.next;
    else level.head = order.next;
    if (order.next) order.next.prev = order.prev;
    else level.tail = order.prev;
    order.prev = order.next = null;
    order.level = null;
    this.count--;
    if (level.head === null) {
      const levels = this.levels;
      const last = levels.length - 1;
      if (levels[last] === level) levels.pop();
      else levels.splice(this.search(level.rank), 1);
    }
  }

  after(order: Order): Order | undefined {
    if (order.next) return order.next;
    const index = this.search((order.level as PriceLevel).rank);
    return index > 0 ? (this.levels[index - 1].head ?? undefined) : undefined;
  }

  /** Index of the level with this rank, or ~insertionPoint when absent. The best end is checked first
   *  because that is where most activity is. */
  private search(rank: number): number {
    const levels = this.levels;
    let high = levels.length - 1;
    if (high < 0) return ~0;
    const top = levels[high].rank;
    if (rank === top) return high;
    if (rank > top) return ~(high + 1);
    let low = 0;
    high--;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const midRank = levels[mid].rank;
      if (midRank < rank) low = mid + 1;
      else if (midRank > rank) high = mid - 1;
      else return mid;
    }
    return ~low;
  }
}

export const fastBookSide = (isBid: boolean): BookSide => new FastBookSide(isBid);
