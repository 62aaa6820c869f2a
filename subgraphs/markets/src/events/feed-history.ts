import type { MikroORM } from '@mikro-orm/postgresql';
import { FailureStreak, config, priceChannel, type Config, type EventBus, type Logger, type PriceEvent } from '@tradegraph/shared';
import { MarketRecord } from '../infra';
import { applyTicks, pruneTicks, type Tick } from '../infra/candle-store';
import { publishCandleChanges } from './candle-publisher';

/** How long raw reference ticks are kept, and how often the old ones are deleted. */
export interface TickRetention {
  /** Days of ticks kept (PRICE_TICKS_RETENTION_DAYS, default 30); 0 keeps every tick. */
  days: number;
  /** How often ticks past it are deleted (PRICE_TICKS_PRUNE_EVERY_MS, default hourly); also once at start. */
  everyMs: number;
}

export function tickRetention(settings: Config = config()): TickRetention {
  return { days: settings.PRICE_TICKS_RETENTION_DAYS, everyMs: settings.PRICE_TICKS_PRUNE_EVERY_MS };
}

/**
 * Keeps the reference feed's history: every price published on `markets.price.<symbol>` (by the
 * simulated, replay or Binance feed, or anything else that speaks Redis) is recorded in
 * `markets.price_ticks` — every tick, written in batches every MARKETS_HISTORY_FLUSH_MS — and,
 * for markets that have never traded on the exchange, folded into candles with zero volume.
 * Ticks older than the retention are deleted (a feed ticking every second writes 86,400 rows a
 * day per market); the candles made from them stay.
 */
export class FeedHistory {
  private buffer: Tick[] = [];
  private readonly followed = new Map<string, () => void>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private pruneTimer: ReturnType<typeof setInterval> | undefined;
  private pruning: Promise<void> = Promise.resolve();
  private stopping = false;
  /** Flushes retried every MARKETS_HISTORY_FLUSH_MS while Postgres is down, logged once per streak. */
  private readonly flushes: FailureStreak;

  constructor(
    private readonly orm: MikroORM,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    /** Markets whose candles come from trades (no feed candles for them). */
    private readonly tradedMarkets: () => Set<string>,
    private readonly flushMs = config().MARKETS_HISTORY_FLUSH_MS,
    private readonly retention: TickRetention = tickRetention(),
  ) {
    this.flushes = new FailureStreak(logger, 'recording price history');
  }

  async start(): Promise<void> {
    await this.discoverMarkets();
    this.timer = setInterval(() => {
      this.flushing = this.flushing.then(() => this.flush());
    }, this.flushMs);
    this.timer.unref();
    if (this.retention.days > 0) {
      // In the background: a first prune after a long stop may have days of rows to delete.
      const prune = () => {
        this.pruning = this.pruning.then(() => this.prune());
      };
      prune();
      this.pruneTimer = setInterval(prune, this.retention.everyMs);
      this.pruneTimer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.stopping = true;
    for (const stop of this.followed.values()) stop();
    await this.flushing;
    await this.flush();
    await this.pruning;
  }

  private async prune(): Promise<void> {
    const before = new Date(Date.now() - this.retention.days * 86_400_000);
    try {
      const deleted = await pruneTicks(this.orm, before, () => this.stopping);
      if (deleted > 0) this.logger.info({ deleted, before }, 'old price ticks deleted');
    } catch (error) {
      // Tried again at the next interval; nothing is lost by waiting.
      this.logger.warn({ err: error }, 'deleting old price ticks failed');
    }
  }

  async discoverMarkets(): Promise<void> {
    const listed = await this.orm.em.fork().find(MarketRecord, {}, { fields: ['symbol'] });
    for (const { symbol } of listed) if (!this.followed.has(symbol)) this.follow(symbol);
  }

  private follow(market: string): void {
    const iterator = this.bus.subscribe<PriceEvent>(priceChannel(market));
    this.followed.set(market, () => void iterator.return?.());
    void (async () => {
      try {
        for await (const event of iterator) {
          const at = new Date(event.at);
          if (typeof event.price !== 'string' || !/^\d+(\.\d{1,18})?$/.test(event.price) || Number.isNaN(at.getTime())) {
            this.logger.warn({ market, event }, 'malformed price tick ignored');
            continue;
          }
          this.buffer.push({ market, price: event.price, at });
        }
      } catch (error) {
        this.logger.warn({ err: error, market }, 'price feed subscription ended');
      }
    })();
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const ticks = this.buffer;
    this.buffer = [];
    try {
      const traded = this.tradedMarkets();
      const feedMarkets = new Set(ticks.map((t) => t.market).filter((m) => !traded.has(m)));
      const candles = await applyTicks(this.orm, ticks, feedMarkets);
      await publishCandleChanges(this.orm, this.bus, this.logger, candles);
      this.flushes.succeeded();
    } catch (error) {
      // Kept for the next flush rather than lost (the database may be restarting).
      this.buffer = ticks.concat(this.buffer);
      this.flushes.failed(error, { ticks: ticks.length });
    }
  }
}
