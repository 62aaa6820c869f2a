import type { MikroORM } from '@mikro-orm/postgresql';
import { config, internalHeaders, subgraphBaseUrl, tradeHistoryQuery, tradesChannel, type EventBus, type Logger, type TradeEvent } from '@tradegraph/shared';
import { MarketRecord } from '../infra';
import { applyTrades, tradeCursors, type TradePoint } from '../infra/candle-store';
import { publishCandleChanges } from './candle-publisher';

export interface TradeIngestOptions {
  /** Base URL of matching's HTTP server (its `/internal/trades` route). */
  matchingUrl: string;
  /** How often every market is caught up regardless of events (covers Redis outages). */
  sweepMs: number;
  pageSize: number;
}

export function tradeIngestOptions(): TradeIngestOptions {
  return {
    matchingUrl: config().MARKETS_MATCHING_INTERNAL_URL ?? subgraphBaseUrl('matching'),
    sweepMs: config().MARKETS_TRADES_SWEEP_MS,
    pageSize: 1000,
  };
}

interface MarketState {
  running: Promise<void> | null;
  /** Another pull was asked for while one ran: run once more after it. */
  again: boolean;
  unsubscribe: () => void;
}

/**
 * Builds candles from the exchange's own fills. A trade announced on `matching.trades.<market>`
 * is a signal that the market has new fills; the fills themselves are read from matching's
 * `/internal/trades` after the last trade id this market applied (kept in `trade_cursors`,
 * moved in the candles' transaction). So a lost, late or duplicated message changes nothing:
 * the next pull — on the next trade, on start, or on the periodic sweep — reads exactly what is
 * missing, and each fill counts once. Pulls of one market never overlap; a burst of trades
 * costs one pull, not one per trade.
 */
export class TradeIngest {
  private readonly markets = new Map<string, MarketState>();
  private readonly cursors = new Map<string, bigint>();
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly options: TradeIngestOptions,
  ) {}

  /** Markets with at least one applied fill: their candles and tickers come from trades. */
  tradedMarkets(): Set<string> {
    return new Set([...this.cursors].filter(([, last]) => last > 0n).map(([market]) => market));
  }

  async start(): Promise<void> {
    for (const [market, last] of await tradeCursors(this.orm)) this.cursors.set(market, last);
    await this.discoverMarkets();
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepMs);
    this.sweepTimer.unref();
    // Matching up (a restart of markets alone): catch up before serving. Matching not up yet (the
    // whole system starting, where it waits for this subgraph's listing): catch up once it
    // answers, saying so once instead of warning for every market.
    if (await this.matchingAnswers()) await this.catchUpAll();
    else void this.catchUpWhenMatchingAnswers();
  }

  private catchUpAll(): Promise<void[]> {
    return Promise.all([...this.markets.keys()].map((market) => this.request(market)));
  }

  private matchingAnswers(): Promise<boolean> {
    return fetch(`${this.options.matchingUrl}/health`, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.ok,
      () => false,
    );
  }

  private async catchUpWhenMatchingAnswers(): Promise<void> {
    this.logger.info({ matching: this.options.matchingUrl }, 'matching is not up yet; candles catch up from its trades once it answers');
    while (!this.stopped && !(await this.matchingAnswers())) await new Promise((resolve) => setTimeout(resolve, 500));
    if (!this.stopped) await this.catchUpAll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const state of this.markets.values()) state.unsubscribe();
    await Promise.all([...this.markets.values()].map((s) => s.running?.catch(() => {})));
  }

  /**
   * A market listed while running (the listing event): followed at once, so its first trades make
   * candles and a ticker now rather than at the next sweep.
   */
  listed(market: string): void {
    if (this.stopped || this.markets.has(market)) return;
    this.follow(market);
    void this.request(market);
  }

  /** Follows every listed market, including ones listed since the last look. */
  private async discoverMarkets(): Promise<void> {
    const listed = await this.orm.em.fork().find(MarketRecord, {}, { fields: ['symbol'] });
    for (const { symbol } of listed) if (!this.markets.has(symbol)) this.follow(symbol);
  }

  private follow(market: string): void {
    const iterator = this.bus.subscribe<TradeEvent>(tradesChannel(market));
    this.markets.set(market, { running: null, again: false, unsubscribe: () => void iterator.return?.() });
    void (async () => {
      try {
        for await (const trade of iterator) {
          if (this.stopped) break;
          // Already applied (a replayed or duplicated message): nothing to read.
          if (/^\d+$/.test(String(trade.tradeId)) && BigInt(trade.tradeId) <= (this.cursors.get(market) ?? 0n)) continue;
          void this.request(market);
        }
      } catch (error) {
        this.logger.warn({ err: error, market }, 'trade feed ended');
      }
    })();
  }

  private async sweep(): Promise<void> {
    try {
      await this.discoverMarkets();
      await Promise.all([...this.markets.keys()].map((market) => this.request(market)));
    } catch (error) {
      this.logger.warn({ err: error }, 'trade sweep failed');
    }
  }

  /** Catches one market up; resolves when what was there at the time of the call is applied. */
  request(market: string): Promise<void> {
    const state = this.markets.get(market);
    if (!state || this.stopped) return Promise.resolve();
    if (state.running) {
      state.again = true;
      return state.running;
    }
    state.running = (async () => {
      try {
        do {
          state.again = false;
          await this.catchUp(market);
        } while (state.again && !this.stopped);
      } catch (error) {
        this.logger.warn({ err: error, market }, 'trade catch-up failed; the next trade or sweep retries');
      } finally {
        state.running = null;
      }
    })();
    return state.running;
  }

  private async catchUp(market: string): Promise<void> {
    for (;;) {
      const after = this.cursors.get(market) ?? 0n;
      const url = `${this.options.matchingUrl}${tradeHistoryQuery(market, after, this.options.pageSize)}`;
      const response = await fetch(url, { headers: internalHeaders() });
      if (!response.ok) throw new Error(`matching answered ${response.status} for ${url}`);
      const { trades } = (await response.json()) as { trades: TradeEvent[] };
      if (trades.length === 0) return;
      const points: TradePoint[] = trades.map((t) => ({ tradeId: BigInt(t.tradeId), price: t.price, quantity: t.quantity, at: new Date(t.at) }));
      const { candles, lastTradeId } = await applyTrades(this.orm, market, points);
      this.cursors.set(market, lastTradeId);
      if (candles.length > 0) this.logger.debug({ market, trades: trades.length, lastTradeId: String(lastTradeId) }, 'trades applied');
      await publishCandleChanges(this.orm, this.bus, this.logger, candles);
      if (trades.length < this.options.pageSize) return;
    }
  }
}
