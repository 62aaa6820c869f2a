import type { MikroORM } from '@mikro-orm/postgresql';
import type { TradeEvent } from '@tradegraph/shared';
import { tradesBefore } from '../infra/trade-history';

/** Trades kept in memory per market: the first pages of `trades(market)` never reach Postgres. */
export const RECENT_TRADES_KEPT = 1000;

interface MarketTrades {
  /** Newest last. */
  trades: TradeEvent[];
  /** Loaded from the read model: the ring holds every trade from its first one on (or all there are). */
  seeded: Promise<void> | null;
  /** The ring starts at the market's first trade (nothing older exists). */
  complete: boolean;
}

/**
 * The public recent trades of each market (`trades(market, first, after)`): the newest
 * RECENT_TRADES_KEPT per market in memory, fed by each batch after it is durable (the same
 * moment the trades are announced), loaded from the fills read model the first time a market is
 * asked for; pages older than that are read from the read model. Nothing here runs in the
 * engine or the journal write: the order path is unchanged.
 */
export class RecentTrades {
  private readonly markets = new Map<string, MarketTrades>();

  constructor(
    private readonly orm: MikroORM,
    private readonly kept = RECENT_TRADES_KEPT,
  ) {}

  /** A durable batch's trades (sequencer.onBatch), oldest first. */
  add(trades: readonly { market: string; tradeId: number; price: string; quantity: string; takerSide: string; at: Date }[]): void {
    for (const trade of trades) {
      const state = this.markets.get(trade.market);
      if (!state) continue; // not asked for yet: loaded from the read model when it is
      state.trades.push({ ...trade, tradeId: String(trade.tradeId), takerSide: trade.takerSide as 'buy' | 'sell', at: trade.at.toISOString() });
      if (state.trades.length > this.kept * 2) {
        state.trades.splice(0, state.trades.length - this.kept);
        state.complete = false;
      }
    }
  }

  /** Up to `limit` trades of `market` older than trade `before` (newest first); all when `before` is undefined. */
  async page(market: string, limit: number, before?: bigint): Promise<TradeEvent[]> {
    const state = await this.loaded(market);
    const trades = state.trades;
    // Newest first from the end of the ring, skipping those at or after the cursor.
    let end = trades.length;
    if (before !== undefined) while (end > 0 && BigInt(trades[end - 1].tradeId) >= before) end--;
    const start = Math.max(0, end - limit);
    const page = trades.slice(start, end).reverse();
    if (page.length === limit || state.complete) return page;
    // Older than the ring holds: the read model.
    const oldest = page.length > 0 ? BigInt(page[page.length - 1].tradeId) : (before ?? (trades.length > 0 ? BigInt(trades[0].tradeId) : undefined));
    return [...page, ...(await tradesBefore(this.orm, market, oldest, limit - page.length))];
  }

  private async loaded(market: string): Promise<MarketTrades> {
    let state = this.markets.get(market);
    if (!state) {
      const fresh: MarketTrades = { trades: [], seeded: null, complete: false };
      state = fresh;
      this.markets.set(market, fresh);
      fresh.seeded = (async () => {
        const stored = (await tradesBefore(this.orm, market, undefined, this.kept)).reverse();
        // Batches that arrived while loading are newer than anything loaded, or already in it.
        const newestStored = stored.length > 0 ? BigInt(stored[stored.length - 1].tradeId) : -1n;
        fresh.trades = [...stored, ...fresh.trades.filter((t) => BigInt(t.tradeId) > newestStored)];
        fresh.complete = stored.length < this.kept;
      })();
      fresh.seeded.catch(() => this.markets.delete(market));
    }
    await state.seeded;
    return state;
  }
}
