import { fromUnits, toUnits } from '@tradegraph/shared';
import { RandomWalk } from '../../domain/random-walk';
import type { FeedMarket, FeedTick, PriceFeed } from '../../domain/price-feed';

/**
 * The embedded default: every interval each market's seeded random walk takes a step. The
 * same seed and market list give the same price sequence on every machine.
 */
export class SimulatedFeed implements PriceFeed {
  readonly name = 'simulated';
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly walks: { symbol: string; tick: bigint; walk: RandomWalk }[];

  constructor(
    markets: FeedMarket[],
    private readonly options: { intervalMs: number; seed: number },
  ) {
    const ordered = [...markets].sort((a, b) => a.symbol.localeCompare(b.symbol));
    this.walks = ordered.map((market, index) => this.walkOf(market, index));
  }

  private walkOf(market: FeedMarket, index: number) {
    const tick = toUnits(market.tickSize);
    return { symbol: market.symbol, tick, walk: new RandomWalk(this.options.seed + index, toUnits(market.referencePrice) / tick) };
  }

  /**
   * A market listed while running walks from its reference price from the next step on, seeded
   * after the others (so the same listings in the same order give the same prices).
   */
  follow(market: FeedMarket): void {
    if (this.walks.some((w) => w.symbol === market.symbol)) return;
    this.walks.push(this.walkOf(market, this.walks.length));
  }

  /** One step of every walk, as ticks stamped `at` (also what the timer does). */
  step(at = new Date()): FeedTick[] {
    return this.walks.map(({ symbol, tick, walk }) => ({ market: symbol, price: fromUnits(walk.next() * tick), at }));
  }

  async start(onTick: (tick: FeedTick) => void): Promise<void> {
    this.timer = setInterval(() => {
      for (const tick of this.step()) onTick(tick);
    }, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
