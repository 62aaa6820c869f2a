import type { MikroORM } from '@mikro-orm/postgresql';
import { Counter, Gauge, type Registry } from 'prom-client';
import { DomainError, FailureStreak, config, type Config, invalidInput, priceChannel, tradesChannel, type EventBus, type Logger, type PriceEvent, type TradeEvent } from '@tradegraph/shared';
import { quoteOf, replaces, type PriceObservation, type PricePolicy, type PriceQuote } from '../domain/prices';
import type { FeedTick, PriceFeed } from '../domain/price-feed';
import { priceKey, type KeyValueCache } from '../infra/price-cache';

export const MAX_BULK_PRICES = 200;

export interface PriceBookSettings extends PricePolicy {
  /** How long a cached price lives in Redis without a newer one. */
  cacheTtlMs: number;
  /** How long recorded prices gather before they are written to the cache together. */
  cacheWriteMs: number;
  /** How often last prices are written to Postgres (the cache's fallback). */
  persistMs: number;
}

export function priceBookSettings(settings: Config = config()): PriceBookSettings {
  return {
    cacheTtlMs: settings.PRICE_CACHE_TTL_MS,
    cacheWriteMs: settings.PRICE_CACHE_WRITE_MS,
    staleAfterMs: settings.PRICE_STALE_AFTER_MS,
    tradeWindowMs: settings.PRICE_TRADE_WINDOW_MS,
    persistMs: settings.PRICE_PERSIST_MS,
  };
}

/**
 * Last prices of every listed market. Writers: the price feed (through `onFeedTick`), the
 * matching engine's trades (`matching.trades.<market>`), and anything that publishes on
 * `markets.price.<market>` — every price published there is recorded: written to the cache in
 * one pipeline every PRICE_CACHE_WRITE_MS (50 ms) and to Postgres every PRICE_PERSIST_MS.
 * Readers (`get`) take prices still waiting for that write from memory, everything else the
 * cache has in one MGET, and only the misses from Postgres, so a hit touches neither the feed
 * nor Postgres.
 *
 * Why the cache write waits: one Redis round trip per published price was the largest cost of
 * this process under a busy feed (about a fifth of its CPU at 250 prices/s, measured with
 * bench/probes/price-path-cpu.js); gathered for 50 ms, a market's prices collapse to its latest
 * and all markets share one pipeline.
 */
export class PriceBook {
  private readonly latest = new Map<string, PriceObservation>();
  private readonly dirty = new Map<string, PriceObservation>();
  /** Recorded prices not yet confirmed written to the cache; readers take them from here. */
  private readonly unwritten = new Map<string, PriceObservation>();
  private cacheWriteTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly followed = new Map<string, () => void>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private persisting: Promise<void> = Promise.resolve();
  private feed: PriceFeed | null = null;
  /** Retried writes and publishes, logged once per streak of failures rather than at every try. */
  private readonly cacheWrites: FailureStreak;
  private readonly persists: FailureStreak;
  private readonly publishes: FailureStreak;
  private readonly metrics: {
    hits: Counter;
    misses: Counter;
    storeReads: Counter;
    feedTicks: Counter;
  };

  constructor(
    private readonly orm: MikroORM,
    private readonly bus: EventBus,
    private readonly cache: KeyValueCache,
    private readonly logger: Logger,
    readonly settings: PriceBookSettings,
    registry: Registry,
  ) {
    this.cacheWrites = new FailureStreak(logger, 'writing prices to the cache');
    this.persists = new FailureStreak(logger, 'persisting last prices');
    this.publishes = new FailureStreak(logger, 'publishing prices');
    const hits = new Counter({ name: 'markets_price_cache_hits_total', help: 'Prices served from the cache', registers: [registry] });
    const misses = new Counter({
      name: 'markets_price_cache_misses_total',
      help: 'Prices not in the cache (read from Postgres)',
      registers: [registry],
    });
    new Gauge({
      name: 'markets_price_cache_hit_ratio',
      help: 'Cache hits / (hits + misses) since start',
      registers: [registry],
      async collect() {
        const h = (await hits.get()).values[0]?.value ?? 0;
        const m = (await misses.get()).values[0]?.value ?? 0;
        this.set(h + m === 0 ? 0 : h / (h + m));
      },
    });
    this.metrics = {
      hits,
      misses,
      storeReads: new Counter({
        name: 'markets_price_store_reads_total',
        help: 'Postgres queries made to answer price reads (cache misses only)',
        registers: [registry],
      }),
      feedTicks: new Counter({
        name: 'markets_price_feed_ticks_total',
        help: 'Ticks received from the price feed',
        labelNames: ['feed'],
        registers: [registry],
      }),
    };
  }

  async start(markets: string[], feed: PriceFeed | null): Promise<void> {
    const rows = await this.orm.em
      .getConnection()
      .execute<{ market: string; price: string; source: 'feed' | 'trade'; at: Date }[]>(
        'select market, price::text as price, source, at from markets.last_prices',
      );
    for (const row of rows) this.latest.set(row.market, { market: row.market, price: trimDecimal(row.price), source: row.source, at: new Date(row.at).toISOString() });
    for (const market of markets) this.follow(market);
    this.timer = setInterval(() => {
      this.persisting = this.persisting.then(() => this.persist());
    }, this.settings.persistMs);
    this.timer.unref();
    this.feed = feed;
    if (feed) {
      await feed.start((tick) => this.onFeedTick(tick, feed.name));
      this.logger.info({ feed: feed.name, markets: markets.length }, 'price feed started');
    }
  }

  async stop(): Promise<void> {
    await this.feed?.stop();
    clearInterval(this.timer);
    for (const stop of this.followed.values()) stop();
    this.followed.clear();
    clearTimeout(this.cacheWriteTimer);
    this.cacheWriteTimer = undefined;
    await this.writeCache();
    await this.persisting;
    await this.persist();
    await this.cache.close();
  }

  /** Starts following a market's prices and trades (at start, and when a market is listed). */
  follow(market: string): void {
    if (this.followed.has(market)) return;
    const prices = this.bus.subscribe<PriceEvent>(priceChannel(market));
    const trades = this.bus.subscribe<TradeEvent>(tradesChannel(market));
    this.followed.set(market, () => {
      void prices.return?.();
      void trades.return?.();
    });
    void this.consume(market, prices, (event) => this.record(market, event));
    void this.consume(market, trades, (trade) => this.onTrade(market, trade));
  }

  private async consume<T>(market: string, iterator: AsyncIterableIterator<T>, handle: (event: T) => Promise<void> | void) {
    try {
      for await (const event of iterator) {
        try {
          await handle(event);
        } catch (error) {
          this.logger.warn({ err: error, market }, 'price event not recorded');
        }
      }
    } catch (error) {
      this.logger.warn({ err: error, market }, 'price subscription ended');
    }
  }

  /** A feed tick becomes the market's price unless the market traded recently. */
  onFeedTick(tick: FeedTick, feedName = 'feed'): void {
    this.metrics.feedTicks.inc({ feed: feedName });
    if (!this.followed.has(tick.market)) return;
    const observation: PriceObservation = { market: tick.market, price: tick.price, source: 'feed', at: tick.at.toISOString() };
    if (!replaces(this.latest.get(tick.market), observation, this.settings)) return;
    this.publish(observation);
  }

  private onTrade(market: string, trade: TradeEvent): void {
    if (typeof trade.price !== 'string') return;
    this.publish({ market, price: trade.price, source: 'trade', at: new Date(trade.at).toISOString() });
  }

  private publish(observation: PriceObservation): void {
    const event: PriceEvent = { market: observation.market, price: observation.price, at: observation.at, source: observation.source };
    this.bus.publish(priceChannel(observation.market), event).then(
      () => this.publishes.succeeded(),
      (error: unknown) => this.publishes.failed(error, { market: observation.market }),
    );
  }

  /** Every price published on `markets.price.<market>`: remembered, then cached and persisted in batches. */
  private record(market: string, event: PriceEvent): void {
    const at = new Date(event.at);
    if (typeof event.price !== 'string' || !/^\d+(\.\d{1,18})?$/.test(event.price) || Number(event.price) <= 0 || Number.isNaN(at.getTime())) {
      return;
    }
    const observation: PriceObservation = { market, price: event.price, source: event.source === 'trade' ? 'trade' : 'feed', at: at.toISOString() };
    if (!replaces(this.latest.get(market), observation, this.settings)) return;
    this.latest.set(market, observation);
    this.dirty.set(market, observation);
    this.unwritten.set(market, observation);
    this.scheduleCacheWrite();
  }

  private scheduleCacheWrite(): void {
    this.cacheWriteTimer ??= setTimeout(() => {
      this.cacheWriteTimer = undefined;
      void this.writeCache();
    }, this.settings.cacheWriteMs);
  }

  /**
   * Writes the gathered prices to the cache in one pipeline. They stay readable from memory
   * until the write is confirmed (a newer price recorded meanwhile stays for the next write);
   * after a failure they are tried again with the next batch.
   */
  private async writeCache(): Promise<void> {
    if (this.unwritten.size === 0) return;
    const batch = [...this.unwritten.values()];
    try {
      await this.cache.mset(
        batch.map((observation) => [priceKey(observation.market), JSON.stringify(observation)]),
        this.settings.cacheTtlMs,
      );
      for (const observation of batch) if (this.unwritten.get(observation.market) === observation) this.unwritten.delete(observation.market);
      this.cacheWrites.succeeded();
    } catch (error) {
      this.cacheWrites.failed(error, { prices: batch.length });
      this.scheduleCacheWrite();
    }
  }

  private async persist(): Promise<void> {
    if (this.dirty.size === 0) return;
    const rows = [...this.dirty.values()];
    this.dirty.clear();
    try {
      await this.orm.em
        .getConnection()
        .getKnex()('markets.last_prices')
        .insert(rows.map((r) => ({ market: r.market, price: r.price, source: r.source, at: r.at })))
        .onConflict('market')
        .merge();
      this.persists.succeeded();
    } catch (error) {
      for (const row of rows) if (!this.dirty.has(row.market)) this.dirty.set(row.market, row);
      this.persists.failed(error, { prices: rows.length });
    }
  }

  /**
   * The quotes of `markets`, in their order: one MGET; the misses from Postgres in one query
   * (and put back in the cache). Unknown markets are NOT_FOUND; a listed market with no price
   * yet is null.
   */
  async get(markets: readonly string[]): Promise<(PriceQuote | null)[]> {
    if (markets.length > MAX_BULK_PRICES) throw invalidInput(`At most ${MAX_BULK_PRICES} markets per request`, 'markets');
    const found = new Map<string, PriceObservation>();
    // Prices waiting for the batched cache write are the newest there are: no need to ask Redis.
    const toRead: string[] = [];
    for (const market of new Set(markets)) {
      const unwritten = this.unwritten.get(market);
      if (unwritten) found.set(market, unwritten);
      else toRead.push(market);
    }
    const cached = await this.cache.mget(toRead.map(priceKey));
    const missing: string[] = [];
    toRead.forEach((market, i) => {
      const raw = cached[i];
      if (raw) found.set(market, JSON.parse(raw) as PriceObservation);
      else missing.push(market);
    });
    this.metrics.hits.inc(found.size);
    if (missing.length > 0) {
      this.metrics.misses.inc(missing.length);
      this.metrics.storeReads.inc();
      const rows = await this.orm.em.getConnection().execute<{ symbol: string; price: string | null; source: 'feed' | 'trade' | null; at: Date | null }[]>(
        `select m.symbol, lp.price::text as price, lp.source, lp.at
           from markets.markets m left join markets.last_prices lp on lp.market = m.symbol
          where m.symbol in (${missing.map(() => '?').join(', ')})`,
        missing,
      );
      const listed = new Set(rows.map((r) => r.symbol));
      const unknown = missing.filter((m) => !listed.has(m));
      if (unknown.length > 0) {
        throw new DomainError('NOT_FOUND', `No market ${unknown.join(', ')}`, { markets: unknown });
      }
      const refill: [string, string][] = [];
      for (const row of rows) {
        if (row.price === null || row.at === null || row.source === null) continue;
        const observation: PriceObservation = { market: row.symbol, price: trimDecimal(row.price), source: row.source, at: new Date(row.at).toISOString() };
        // A price recorded in memory but not yet persisted is newer than the row.
        const newer = this.latest.get(row.symbol);
        const best = newer && Date.parse(newer.at) >= Date.parse(observation.at) ? newer : observation;
        found.set(row.symbol, best);
        refill.push([priceKey(row.symbol), JSON.stringify(best)]);
      }
      await this.cache.mset(refill, this.settings.cacheTtlMs);
    }
    const now = Date.now();
    return markets.map((market) => {
      const observation = found.get(market);
      return observation ? quoteOf(observation, now, this.settings) : null;
    });
  }

  /** The quote of one market; NOT_FOUND for an unknown one. */
  async one(market: string): Promise<PriceQuote | null> {
    const [quote] = await this.get([market]);
    return quote ?? null;
  }

  quoteOfEvent(event: PriceEvent): PriceQuote {
    return quoteOf({ market: event.market, price: event.price, at: event.at, source: event.source === 'trade' ? 'trade' : 'feed' }, Date.now(), this.settings);
  }
}

/** Postgres NUMERIC text with trailing zeros dropped (65000.000000000000000000 → 65000). */
function trimDecimal(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}
