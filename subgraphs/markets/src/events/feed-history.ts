import type { MikroORM } from '@mikro-orm/postgresql';
import type { EventBus, Logger } from '@tradegraph/shared';
import { MarketRecord } from '../store';
import { applyTicks, type Tick } from '../store/candle-store';
import { priceChannel, type PriceEvent } from './channels';
import { publishCandleChanges } from './candle-publisher';

/**
 * Keeps the reference feed's history: every price published on `markets.price.<symbol>` (by the
 * simulated, replay or Binance feed, or anything else that speaks Redis) is recorded in
 * `markets.price_ticks` — every tick, written in batches every MARKETS_HISTORY_FLUSH_MS — and,
 * for markets that have never traded on the exchange, folded into candles with zero volume.
 */
export class FeedHistory {
  private buffer: Tick[] = [];
  private readonly followed = new Map<string, () => void>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly orm: MikroORM,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    /** Markets whose candles come from trades (no feed candles for them). */
    private readonly tradedMarkets: () => Set<string>,
    private readonly flushMs = Number(process.env.MARKETS_HISTORY_FLUSH_MS ?? 500),
  ) {}

  async start(): Promise<void> {
    await this.discoverMarkets();
    this.timer = setInterval(() => {
      this.flushing = this.flushing.then(() => this.flush());
    }, this.flushMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const stop of this.followed.values()) stop();
    await this.flushing;
    await this.flush();
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
    } catch (error) {
      // Kept for the next flush rather than lost (the database may be restarting).
      this.buffer = ticks.concat(this.buffer);
      this.logger.warn({ err: error, ticks: ticks.length }, 'price history flush failed');
    }
  }
}
