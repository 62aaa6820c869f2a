import { BollingerBands, EMA, MACD, RSI, SMA } from 'trading-signals';

/**
 * Streaming indicators for strategies, computed by the library `trading-signals` (its number-based
 * classes): each candle costs one O(1) update (or O(period) for SMA/Bollinger windows), never a
 * pass over the history. Inputs are candle closes in ticks; values are numbers (signals, not money).
 */

export type IndicatorSpec =
  | { name: string; kind: 'SMA' | 'EMA' | 'RSI'; period: number }
  | { name: string; kind: 'MACD'; fast: number; slow: number; signal: number }
  | { name: string; kind: 'BOLLINGER'; period: number; deviations: number };

export interface MacdValue {
  macd: number;
  signal: number;
  histogram: number;
}

export interface BandsValue {
  upper: number;
  middle: number;
  lower: number;
}

export type IndicatorValue = number | MacdValue | BandsValue;

/** name → latest value, null while the indicator warms up. */
export type IndicatorValues = Readonly<Record<string, IndicatorValue | null>>;

interface Streaming {
  update(price: number, replace: boolean): IndicatorValue | null;
  isStable: boolean;
}

function build(spec: IndicatorSpec): Streaming {
  switch (spec.kind) {
    case 'SMA':
      return new SMA(spec.period);
    case 'EMA':
      return new EMA(spec.period);
    case 'RSI':
      return new RSI(spec.period);
    case 'MACD':
      return new MACD(new EMA(spec.fast), new EMA(spec.slow), new EMA(spec.signal));
    case 'BOLLINGER':
      return new BollingerBands(spec.period, spec.deviations);
  }
}

/** The indicators one strategy declared, updated together once per closed candle. */
export class IndicatorSet {
  private readonly names: string[];
  private readonly series: Streaming[];
  private readonly values: Record<string, IndicatorValue | null> = {};

  constructor(specs: readonly IndicatorSpec[]) {
    this.names = specs.map((spec) => spec.name);
    this.series = specs.map(build);
    for (const name of this.names) this.values[name] = null;
  }

  /** Feeds one close; returns the values (the same object each time, updated in place). */
  update(close: number): IndicatorValues {
    for (let i = 0; i < this.series.length; i += 1) {
      const series = this.series[i];
      const value = series.update(close, false);
      // EMA reports a value from the first input; hold it back until the library calls it stable.
      this.values[this.names[i]] = series.isStable && value !== null ? value : null;
    }
    return this.values;
  }
}
