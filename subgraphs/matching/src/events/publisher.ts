import { FailureStreak, type EventBus, type Logger } from '@tradegraph/shared';
import { lotsToQuantity, ticksToPrice, type Engine, type PriceLevelView } from '../domain/engine';
import type { Projection } from '../app/projection';
import {
  balanceChannel,
  bookChannel,
  orderChannel,
  tradesChannel,
  type BookDeltaEvent,
  type BookLevelEvent,
  type OrderEvent,
  type TradeEvent,
} from '@tradegraph/shared';

/** How many levels per side the book feed tracks; deeper subscriptions are capped here. */
export const BOOK_FEED_DEPTH = 50;

interface PublishedBook {
  sequence: number;
  bids: Map<number, PriceLevelView>;
  asks: Map<number, PriceLevelView>;
}

/**
 * Publishes what each durable batch changed: order updates to their owners, balance changes,
 * trades, and order-book deltas (per market, numbered, only the levels that changed within the
 * top BOOK_FEED_DEPTH). Runs after the batch committed, so nothing is announced that a crash
 * could take back.
 */
export class Publisher {
  private readonly books = new Map<string, PublishedBook>();
  /** While Redis is down every event fails: logged once per streak, not once per event. */
  private readonly publishes: FailureStreak;

  /**
   * @param sequenceBase where every book's numbering starts in this run: the journal's sequence
   *   number at start-up. A book's sequence grows by one per published delta, at most one per
   *   journaled batch, so in the run before it never passed that run's last journaled sequence
   *   number: starting from it, a book's sequence only ever goes forward across restarts. Within
   *   a run deltas are numbered without gaps; after a restart the numbers jump ahead, which tells
   *   a client holding an older snapshot to read the book again.
   */
  constructor(
    private readonly engine: Engine,
    private readonly bus: EventBus,
    logger: Logger,
    private readonly sequenceBase = 0,
    /** Balances go out cut to their asset's precision (app/listing-catalog.ts). */
    private readonly amounts: { shown(asset: string, amount: string): string } = { shown: (_asset, amount) => amount },
  ) {
    this.publishes = new FailureStreak(logger, 'publishing engine events');
  }

  publish(changes: ReturnType<Projection['drain']>): void {
    const send = (name: string, payload: unknown) =>
      this.bus.publish(name, payload).then(
        () => this.publishes.succeeded(),
        (error: unknown) => this.publishes.failed(error, { channel: name }),
      );
    for (const order of changes.orders) {
      const { filledLots: _filledLots, ...rest } = order;
      const event: OrderEvent = { ...rest, id: String(order.id) };
      void send(orderChannel(order.userId), event);
    }
    for (const balance of changes.balances) {
      const { asset } = balance;
      const shown = { ...balance, available: this.amounts.shown(asset, balance.available), locked: this.amounts.shown(asset, balance.locked) };
      void send(balanceChannel(balance.userId), shown);
    }
    for (const trade of changes.trades) {
      const event: TradeEvent = { ...trade, tradeId: String(trade.tradeId), takerSide: trade.takerSide as 'buy' | 'sell' };
      void send(tradesChannel(trade.market), event);
    }
    for (const market of changes.markets) {
      const delta = this.bookDelta(market);
      if (delta) void send(bookChannel(market), delta);
    }
  }

  /** The current book to `depth` levels and the sequence deltas continue from. */
  book(market: string, depth: number): BookDeltaEvent {
    const book = this.books.get(market);
    const levels = this.engine.depth(market, depth);
    return {
      market,
      sequence: book?.sequence ?? this.sequenceBase,
      snapshot: true,
      bids: levels.bids.map((l) => this.level(market, l)),
      asks: levels.asks.map((l) => this.level(market, l)),
    };
  }

  private bookDelta(market: string): BookDeltaEvent | null {
    const previous = this.books.get(market) ?? { sequence: this.sequenceBase, bids: new Map(), asks: new Map() };
    const depth = this.engine.depth(market, BOOK_FEED_DEPTH);
    const current: PublishedBook = {
      sequence: previous.sequence,
      bids: new Map(depth.bids.map((l) => [l.price, l])),
      asks: new Map(depth.asks.map((l) => [l.price, l])),
    };
    const changed = (before: Map<number, PriceLevelView>, after: Map<number, PriceLevelView>) => {
      const levels: BookLevelEvent[] = [];
      for (const [price, level] of after) {
        const old = before.get(price);
        if (!old || old.quantity !== level.quantity || old.orders !== level.orders) levels.push(this.level(market, level));
      }
      for (const [price] of before) if (!after.has(price)) levels.push(this.level(market, { price, quantity: 0, orders: 0 }));
      return levels;
    };
    const bids = changed(previous.bids, current.bids);
    const asks = changed(previous.asks, current.asks);
    if (bids.length === 0 && asks.length === 0) return null;
    current.sequence = previous.sequence + 1;
    this.books.set(market, current);
    return { market, sequence: current.sequence, snapshot: false, bids, asks };
  }

  private level(market: string, level: PriceLevelView): BookLevelEvent {
    const spec = this.engine.marketSpec(market)!;
    return { price: ticksToPrice(spec, level.price), quantity: lotsToQuantity(spec, level.quantity), orders: level.orders };
  }
}
