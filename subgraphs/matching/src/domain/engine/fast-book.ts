import type { BookOrder, BookSide } from './book';

/** Orders at one price, oldest first, linked through the orders themselves (no per-order allocation). */
class PriceLevel<O extends BookOrder> {
  head: O | null = null;
  tail: O | null = null;
  constructor(
    readonly price: number,
    /** Price mapped so that "better" is always "greater": price for bids, -price for asks. */
    readonly rank: number,
  ) {}
}

/**
 * The production book side. Levels live in an array sorted by rank ascending, so the best level
 * is the last element: consuming the top of the book pops from the end and never shifts the
 * array. Finding a level is a binary search; orders within a level form an intrusive doubly
 * linked list, so adding, cancelling and filling an order are O(1) once its level is known.
 *
 * A level that empties stays in the array (prices recur, and shifting the array on every level
 * created or removed was the single largest cost in profiles); empty levels are skipped when
 * reading, dropped when they surface at the best end, and compacted away in one pass once they
 * outnumber the occupied ones.
 */
export class FastBookSide<O extends BookOrder> implements BookSide<O> {
  private readonly levels: PriceLevel<O>[] = [];
  /** levels[i].rank, kept in a flat number array so the binary search does not chase pointers. */
  private readonly ranks: number[] = [];
  private emptyLevels = 0;
  private count = 0;

  constructor(private readonly isBid: boolean) {}

  get size(): number {
    return this.count;
  }

  best(): O | undefined {
    const levels = this.levels;
    for (let i = levels.length - 1; i >= 0; i--) {
      const head = levels[i].head;
      if (head !== null) return head;
      levels.pop();
      this.ranks.pop();
      this.emptyLevels--;
    }
    return undefined;
  }

  add(order: O): void {
    const rank = this.isBid ? order.price : -order.price;
    const levels = this.levels;
    let index = this.search(rank);
    let level: PriceLevel<O>;
    if (index >= 0) {
      level = levels[index];
      if (level.head === null) this.emptyLevels--;
    } else {
      index = ~index;
      level = new PriceLevel<O>(order.price, rank);
      // Insert by hand: splice allocates a result array and is not inlined.
      const ranks = this.ranks;
      let i = levels.length;
      levels.push(level);
      ranks.push(rank);
      for (; i > index; i--) {
        levels[i] = levels[i - 1];
        ranks[i] = ranks[i - 1];
      }
      levels[index] = level;
      ranks[index] = rank;
    }
    order.level = level;
    order.next = null;
    order.prev = level.tail;
    if (level.tail) level.tail.next = order;
    else level.head = order;
    level.tail = order;
    this.count++;
  }

  remove(order: O): void {
    const level = order.level as PriceLevel<O>;
    if (order.prev) order.prev.next = order.next;
    else level.head = order.next;
    if (order.next) order.next.prev = order.prev;
    else level.tail = order.prev;
    order.prev = order.next = null;
    order.level = null;
    this.count--;
    if (level.head === null && ++this.emptyLevels > 32 && this.emptyLevels * 2 > this.levels.length) this.compact();
  }

  after(order: O): O | undefined {
    if (order.next) return order.next;
    const levels = this.levels;
    for (let i = this.search((order.level as PriceLevel<O>).rank) - 1; i >= 0; i--) {
      const head = levels[i].head;
      if (head !== null) return head;
    }
    return undefined;
  }

  private compact(): void {
    const levels = this.levels;
    const ranks = this.ranks;
    let kept = 0;
    for (let i = 0; i < levels.length; i++) {
      if (levels[i].head !== null) {
        levels[kept] = levels[i];
        ranks[kept++] = ranks[i];
      }
    }
    levels.length = kept;
    ranks.length = kept;
    this.emptyLevels = 0;
  }

  /** Index of the level with this rank, or ~insertionPoint when absent. The best end is checked first
   *  because that is where most activity is. */
  private search(rank: number): number {
    const ranks = this.ranks;
    let high = ranks.length - 1;
    if (high < 0) return ~0;
    const top = ranks[high];
    if (rank === top) return high;
    if (rank > top) return ~(high + 1);
    let low = 0;
    high--;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const midRank = ranks[mid];
      if (midRank < rank) low = mid + 1;
      else if (midRank > rank) high = mid - 1;
      else return mid;
    }
    return ~low;
  }
}

export const fastBookSide = <O extends BookOrder>(isBid: boolean): BookSide<O> => new FastBookSide<O>(isBid);
