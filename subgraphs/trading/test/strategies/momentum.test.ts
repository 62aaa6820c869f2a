import { IndicatorSet } from '../../src/domain/indicators';
import { buildStrategy, momentum, type Intent, type Strategy } from '../../src/domain/strategies';
import { MARKET, MINUTE, balances, candle, input } from './fixtures';

const LOT_ATOMS = 10_000;

/** Feeds closes through the strategy's own indicators; holds base after a buy, as a fill would. */
function run(strategy: Strategy, closes: number[]): Array<{ minute: number; intent: string }> {
  const indicators = new IndicatorSet(strategy.indicators);
  let base = 0;
  const out: Array<{ minute: number; intent: string }> = [];
  closes.forEach((close, minute) => {
    const intents: Intent[] = strategy.step(
      input(candle(minute * MINUTE, close), { indicators: indicators.update(close), balances: balances(base, 10 ** 12) }),
    );
    for (const intent of intents) {
      if (intent.kind !== 'place' || intent.orderType !== 'market') throw new Error('momentum only places market orders');
      out.push({ minute, intent: `${intent.side} ${intent.side === 'buy' ? `quote ${intent.quoteAmount}` : `lots ${intent.quantity}`}` });
      base = intent.side === 'buy' ? 500 * LOT_ATOMS : 0;
    }
  });
  return out;
}

const flat = (n: number, price: number) => Array.from({ length: n }, () => price);
const ramp = (n: number, from: number, step: number) => Array.from({ length: n }, (_, i) => from + (i + 1) * step);

describe('momentum strategy', () => {
  // Down, then up, then down again: one buy on the way up, one sell on the way down.
  const path = [...ramp(20, 10_000, -20), ...ramp(20, 9_600, 40), ...ramp(20, 10_400, -40)];

  it('EMA cross: buys on the bullish cross and sells all it holds on the bearish one', () => {
    const trades = run(buildStrategy(momentum, { signal: 'EMA_CROSS', fast: 3, slow: 8, amount: '500' }, MARKET), path);
    expect(trades.map((t) => t.intent)).toEqual(['buy quote 500000000', 'sell lots 500']);
    expect(trades[0].minute).toBeGreaterThan(20);
    expect(trades[0].minute).toBeLessThan(26);
    expect(trades[1].minute).toBeGreaterThan(40);
    expect(trades[1].minute).toBeLessThan(46);
  });

  it('MACD: acts on the histogram changing sign, in the same direction', () => {
    const trades = run(buildStrategy(momentum, { signal: 'MACD', fast: 3, slow: 6, signalPeriod: 3, amount: '500' }, MARKET), path);
    expect(trades.map((t) => t.intent)).toEqual(['buy quote 500000000', 'sell lots 500']);
    expect(trades[0].minute).toBeGreaterThanOrEqual(20);
    expect(trades[1].minute).toBeGreaterThanOrEqual(40);
  });

  it('does nothing on a flat market or while the indicators warm up', () => {
    expect(run(buildStrategy(momentum, { signal: 'EMA_CROSS', fast: 3, slow: 8, amount: '500' }, MARKET), flat(50, 10_000))).toEqual([]);
    // A trend that starts up and stays up: the first stable reading is not a cross.
    expect(run(buildStrategy(momentum, { signal: 'EMA_CROSS', fast: 3, slow: 8, amount: '500' }, MARKET), ramp(50, 10_000, 10))).toEqual(
      [],
    );
  });
});
