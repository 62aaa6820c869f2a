import { IndicatorSet, type BandsValue, type MacdValue } from '../../src/domain/indicators';

describe('streaming indicators', () => {
  it('computes SMA, EMA, RSI, MACD and Bollinger bands one close at a time', () => {
    const set = new IndicatorSet([
      { name: 'sma', kind: 'SMA', period: 3 },
      { name: 'ema', kind: 'EMA', period: 3 },
      { name: 'rsi', kind: 'RSI', period: 3 },
      { name: 'macd', kind: 'MACD', fast: 2, slow: 3, signal: 2 },
      { name: 'bb', kind: 'BOLLINGER', period: 3, deviations: 2 },
    ]);
    const first = { ...set.update(10) };
    expect(first).toEqual({ sma: null, ema: null, rsi: null, macd: null, bb: null });
    set.update(11);
    const third = { ...set.update(12) };
    expect(third.sma).toBeCloseTo(11);
    expect(third.ema).not.toBeNull();
    const values = set.update(13);
    expect(values.sma).toBeCloseTo(12);
    // The library's bands report from period + 1 closes on, over the last `period`.
    expect((values.bb as BandsValue).middle).toBeCloseTo(12);
    expect((values.bb as BandsValue).upper).toBeGreaterThan(13);
    expect((values.bb as BandsValue).lower).toBeLessThan(11);
    expect(values.rsi).toBe(100); // only gains so far
    expect((values.macd as MacdValue).macd).toBeGreaterThan(0);
  });

  it('keeps a bounded window, never the history (O(1) per candle)', () => {
    const set = new IndicatorSet([
      { name: 'ema', kind: 'EMA', period: 50 },
      { name: 'macd', kind: 'MACD', fast: 12, slow: 26, signal: 9 },
      { name: 'bb', kind: 'BOLLINGER', period: 20, deviations: 2 },
      { name: 'sma', kind: 'SMA', period: 30 },
    ]);
    for (let i = 0; i < 100_000; i += 1) set.update(10_000 + (i % 97));
    const series = (set as unknown as { series: Array<Record<string, unknown>> }).series;
    const buffers = series.flatMap((s) => Object.values(s).filter(Array.isArray) as unknown[][]);
    expect(buffers.length).toBeGreaterThan(0);
    for (const buffer of buffers) expect(buffer.length).toBeLessThanOrEqual(30);
  });
});
