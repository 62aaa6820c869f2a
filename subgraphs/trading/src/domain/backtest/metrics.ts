/**
 * Statistics over a backtest's equity (integer quote atoms). Ratios are numbers: they describe
 * money, they are not money.
 */

export interface EquityStats {
  totalReturn: number;
  maxDrawdown: number;
  /** Annualised: mean / standard deviation of the per-candle returns × √(periods per year); null when flat. */
  sharpe: number | null;
}

/** Streaming (Welford) so the runner never walks the curve twice. */
export class EquityTracker {
  private first: number | undefined;
  private last: number | undefined;
  private peak = 0;
  private maxDrawdown = 0;
  private count = 0;
  private mean = 0;
  private m2 = 0;

  add(equity: number): void {
    if (this.first === undefined) {
      this.first = this.last = this.peak = equity;
      return;
    }
    const r = this.last! > 0 ? equity / this.last! - 1 : 0;
    this.count += 1;
    const delta = r - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (r - this.mean);
    this.last = equity;
    if (equity > this.peak) this.peak = equity;
    else if (this.peak > 0) {
      const drawdown = 1 - equity / this.peak;
      if (drawdown > this.maxDrawdown) this.maxDrawdown = drawdown;
    }
  }

  stats(periodsPerYear: number): EquityStats {
    const first = this.first ?? 0;
    const last = this.last ?? 0;
    const variance = this.count > 1 ? this.m2 / (this.count - 1) : 0;
    const sd = Math.sqrt(variance);
    return {
      totalReturn: first > 0 ? last / first - 1 : 0,
      maxDrawdown: this.maxDrawdown,
      sharpe: sd > 0 ? (this.mean / sd) * Math.sqrt(periodsPerYear) : null,
    };
  }
}

/**
 * Round trips by average cost: a buy adds lots at its cost (fee included); a sell realises
 * proceeds − fee − average cost of the lots sold, and counts as a win when that is positive.
 */
export class WinTracker {
  private lots = 0;
  private cost = 0;
  wins = 0;
  closes = 0;

  buy(lots: number, quoteAtoms: number): void {
    this.lots += lots;
    this.cost += quoteAtoms;
  }

  sell(lots: number, proceedsAtoms: number): void {
    if (this.lots <= 0) return; // selling what was held from the start: no known cost
    const sold = Math.min(lots, this.lots);
    const costOfSold = (this.cost * sold) / this.lots;
    const realised = (proceedsAtoms * sold) / lots - costOfSold;
    this.cost -= costOfSold;
    this.lots -= sold;
    this.closes += 1;
    if (realised > 0) this.wins += 1;
  }

  get winRate(): number | null {
    return this.closes > 0 ? this.wins / this.closes : null;
  }
}
