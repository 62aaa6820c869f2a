import type { EventBus, Logger } from '@tradegraph/shared';
import { lotsToQuantity, ticksToPrice, type Engine, type PriceLevelView } from '../domain/engine';
import type { Projection } from '../store/projection';
import {
  balanceChannel,
  bookChannel,
  orderChannel,
  tradesChannel,
  type BookDeltaEvent,
  type BookLevelEvent,
  type OrderEvent,
  type TradeEvent,
} from './channels';

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
  /**
   * The last answer of `book` per market and depth, with the engine's command count it was read
   * at: reads between two commands (the market list's order books, many clients) share one.
   */
  private readonly bookAnswers = new Map<string, { applied: number; answer: BookDeltaEvent }>();

  constructor(
    private readonly engine: Engine,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    /** How many commands the engine has applied: any change to a book is a command. */
    private readonly appliedCommands: () => number,
  ) {}

  publish(changes: ReturnType<Projection['drain']>): void {
    const send = (name: string, payload: unknown) =>
      this.bus.publish(name, payload).catch((error: unknown) => this.logger.warn({ err: error, channel: name }, 'publish failed'));
    for (const order of changes.orders) {
      const { filledLots: _filledLots, ...rest } = order;
      const event: OrderEvent = { ...rest, id: String(order.id) };
      void send(orderChannel(order.userId), event);
    }
    for (const balance of changes.balances) void send(balanceChannel(balance.userId), balance);
    for (const trade of changes.trades) {
      const event: TradeEvent = { ...trade, tradeId: String(trade.tradeId), takerSide: trade.takerSide as 'buy' | 'sell' };
      void send(tradesChannel(trade.market), event);
    }
    for (const market of changes.markets) {
      const delta = this.bookDelta(market);
      if (delta) void send(bookChannel(market), delta);
    }
  }

  /**
   * The current book to `depth` levels and the sequence deltas continue from. The answer is
   * shared by every caller until the next command or published delta: nobody may change it.
   */
  book(market: string, depth: number): BookDeltaEvent {
    const sequence = this.books.get(market)?.sequence ?? 0;
    const applied = this.appliedCommands();
    const key = `${market}\n${depth}`;
    const cached = this.bookAnswers.get(key);
    if (cached && cached.applied === applied && cached.answer.sequence === sequence) return cached.answer;
    const levels = this.engine.depth(market, depth);
    const answer: BookDeltaEvent = {
      market,
      sequence,
      snapshot: true,
      bids: levels.bids.map((l) => this.level(market, l)),
      asks: levels.asks.map((l) => this.level(market, l)),
    };
    // Markets × depths asked (depth is capped at 500), so the map stays small.
    this.bookAnswers.set(key, { applied, answer });
    return answer;
  }

  private bookDelta(market: string): BookDeltaEvent | null {
    const previous = this.books.get(market) ?? { sequence: 0, bids: new Map(), asks: new Map() };
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
