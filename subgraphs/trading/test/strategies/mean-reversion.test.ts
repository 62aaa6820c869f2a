import { IndicatorSet } from '../../src/domain/indicators';
import { buildStrategy, meanReversion, type Strategy } from '../../src/domain/strategies';
import { MARKET, MINUTE, balances, candle, input } from './fixtures';

const LOT_ATOMS = 10_000;

/** Feeds closes through the strategy's indicators; a buy leaves 100 lots held, a sell none. */
function run(strategy: Strategy, closes: number[]): string[] {
  const indicators = new IndicatorSet(strategy.indicators);
  let base = 0;
  const out: string[] = [];
  closes.forEach((close, minute) => {
    for (const intent of strategy.step(
      input(candle(minute * MINUTE, close), { indicators: indicators.update(close), balances: balances(base, 10 ** 12) }),
    )) {
      if (intent.kind !== 'place') continue;
      out.push(`${minute}: ${intent.side}`);
      base = intent.side === 'buy' ? 100 * LOT_ATOMS : 0;
    }
  });
  return out;
}

// Calm around 100 for 20 minutes, a sharp dip to 90, recovery to 100. (The bands include the
// close they are compared with, as the library computes them: a period of n lets one close lie at
// most (n−1)/√n deviations out, so 10 is the shortest period at which 2 deviations can be crossed.)
const calm = [
  10_000, 10_010, 9_990, 10_005, 9_995, 10_000, 10_010, 9_990, 10_000, 10_005, 10_000, 10_010, 9_990, 10_005, 9_995, 10_000, 10_010, 9_990,
  10_000, 10_005,
];
const path = [...calm, 9_000, 9_200, 9_500, 9_800, 10_000, 10_050];

describe('mean reversion strategy', () => {
  it('Bollinger: buys the close below the lower band, sells back at the middle band', () => {
    const trades = run(buildStrategy(meanReversion, { signal: 'BOLLINGER', period: 10, amount: '100' }, MARKET), path);
    expect(trades[0]).toBe('20: buy');
    expect(trades[1]).toMatch(/^2[1-5]: sell$/);
    expect(trades).toHaveLength(2);
  });

  it('RSI: buys when oversold and sells when overbought', () => {
    const trades = run(
      buildStrategy(meanReversion, { signal: 'RSI', period: 3, oversold: 30, overbought: 70, amount: '100' }, MARKET),
      path,
    );
    expect(trades[0]).toBe('20: buy');
    expect(trades[1]).toMatch(/^2[1-5]: sell$/);
  });

  it('stays out of a calm market, and refuses crossed RSI thresholds', () => {
    expect(run(buildStrategy(meanReversion, { signal: 'BOLLINGER', period: 10, deviations: 3, amount: '100' }, MARKET), calm)).toEqual([]);
    expect(() => buildStrategy(meanReversion, { signal: 'RSI', period: 14, oversold: 80, overbought: 70, amount: '1' }, MARKET)).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'oversold' } }),
    );
  });
});
