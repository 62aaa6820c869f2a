import { aggregate, bucketStart, deltaToCandle, mergeCandle, normalizeDecimal, parseInterval, type Candle } from '../src/domain/candles';
import { computeTicker, divideRounded, tickerWindowStart } from '../src/domain/tickers';

const at = (iso: string) => new Date(iso);

describe('candle arithmetic', () => {
  it('buckets by UTC epoch-aligned intervals', () => {
    const t = at('2026-11-21T13:47:31.250Z');
    expect(bucketStart(t, '1m').toISOString()).toBe('2026-11-21T13:47:00.000Z');
    expect(bucketStart(t, '5m').toISOString()).toBe('2026-11-21T13:45:00.000Z');
    expect(bucketStart(t, '15m').toISOString()).toBe('2026-11-21T13:45:00.000Z');
    expect(bucketStart(t, '1h').toISOString()).toBe('2026-11-21T13:00:00.000Z');
    expect(bucketStart(t, '4h').toISOString()).toBe('2026-11-21T12:00:00.000Z');
    expect(bucketStart(t, '1d').toISOString()).toBe('2026-11-21T00:00:00.000Z');
  });

  it('folds trades into exact OHLCV per candle, in trade order', () => {
    const trades = [
      { price: '0.1', quantity: '0.2', at: at('2026-11-21T13:00:01Z') },
      { price: '0.3', quantity: '0.1', at: at('2026-11-21T13:00:30Z') },
      { price: '0.05', quantity: '1.00000001', at: at('2026-11-21T13:00:59.999Z') },
      { price: '0.2', quantity: '3', at: at('2026-11-21T13:01:00Z') },
    ];
    const deltas = aggregate(trades, ['1m', '1h']).map((d) => deltaToCandle(d, 'X-Y'));
    const first = deltas.find((c) => c.interval === '1m' && c.openTime.toISOString() === '2026-11-21T13:00:00.000Z')!;
    // Floats would give 0.30000000000000004-style sums; units do not.
    expect(first).toMatchObject({ open: '0.1', high: '0.3', low: '0.05', close: '0.05', volume: '1.30000001', quoteVolume: '0.1000000005', trades: 3 });
    const hour = deltas.find((c) => c.interval === '1h')!;
    expect(hour).toMatchObject({ open: '0.1', high: '0.3', low: '0.05', close: '0.2', volume: '4.30000001', quoteVolume: '0.7000000005', trades: 4 });
  });

  it('merges a later delta into a stored candle: open kept, extremes widened, close replaced, volumes added', () => {
    const stored: Candle = deltaToCandle(aggregate([{ price: '100', quantity: '1', at: at('2026-11-21T13:00:00Z') }], ['1m'])[0], 'X-Y');
    const later = aggregate(
      [
        { price: '99.5', quantity: '0.5', at: at('2026-11-21T13:00:10Z') },
        { price: '100.25', quantity: '0.25', at: at('2026-11-21T13:00:20Z') },
      ],
      ['1m'],
    )[0];
    expect(mergeCandle(stored, later, 'X-Y')).toMatchObject({
      open: '100',
      high: '100.25',
      low: '99.5',
      close: '100.25',
      volume: '1.75',
      quoteVolume: '174.8125',
      trades: 3,
    });
  });

  it('counts reference ticks as prices without volume', () => {
    const [delta] = aggregate([{ price: '1.08', quantity: '0', at: at('2026-11-21T13:00:00Z') }, { price: '1.09', quantity: '0', at: at('2026-11-21T13:00:02Z') }], ['1m']);
    expect(deltaToCandle(delta, 'EUR-USD')).toMatchObject({ open: '1.08', close: '1.09', volume: '0', quoteVolume: '0', trades: 0 });
  });

  it('refuses unknown intervals and normalizes Postgres numerics', () => {
    expect(parseInterval('4h')).toBe('4h');
    expect(() => parseInterval('2m')).toThrow(/interval must be one of/);
    expect(normalizeDecimal('65000.000000000000000000')).toBe('65000');
    expect(normalizeDecimal('0.0800000005000')).toBe('0.0800000005');
  });
});

describe('ticker arithmetic', () => {
  it('divides exactly with half-away-from-zero rounding', () => {
    expect(divideRounded(1n, 3n, 4)).toBe('0.3333');
    expect(divideRounded(2n, 3n, 4)).toBe('0.6667');
    expect(divideRounded(-2n, 3n, 4)).toBe('-0.6667');
    expect(divideRounded(1n, 8n, 2)).toBe('0.13');
    expect(divideRounded(-1n, 8n, 2)).toBe('-0.13');
    expect(divideRounded(0n, 7n, 4)).toBe('0');
  });

  it('computes change and change % from the window', () => {
    const now = at('2026-11-21T13:47:31Z');
    const ticker = computeTicker(
      'BTC-USDT',
      { open: '60000.000', high: '61000', low: '59000', close: '60600', volume: '2.5', quoteVolume: '151000', trades: 4 },
      '60600',
      now,
      'trades',
    )!;
    expect(ticker).toMatchObject({ open: '60000', last: '60600', change: '600', changePercent: '1', volume: '2.5', trades: 4 });
    expect(ticker.windowStart.toISOString()).toBe('2026-11-20T13:48:00.000Z');
    expect(tickerWindowStart(now).getTime()).toBe(now.getTime() - 31_000 - 1439 * 60_000);
  });

  it('shows the last price with zero volume when the window is empty, and nothing when there never was a price', () => {
    const empty = { open: null, high: null, low: null, close: null, volume: null, quoteVolume: null, trades: 0 };
    expect(computeTicker('EUR-USD', empty, '1.0815', new Date(), 'feed')).toMatchObject({
      open: '1.0815', high: '1.0815', low: '1.0815', last: '1.0815', volume: '0', change: '0', changePercent: '0',
    });
    expect(computeTicker('EUR-USD', empty, null, new Date(), 'feed')).toBeNull();
  });

  it('reports a fall with a negative percentage', () => {
    const t = computeTicker('X-Y', { open: '3', high: '3', low: '2', close: '2', volume: '1', quoteVolume: '2', trades: 2 }, '2', new Date(), 'trades')!;
    expect(t.change).toBe('-1');
    expect(t.changePercent).toBe('-33.3333');
  });
});
