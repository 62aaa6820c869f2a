import { createHash } from 'node:crypto';
import type { MarketSpec } from '@tradegraph/matching/engine';
import { runBacktest, type BacktestConfig } from '../../src/domain/backtest';
import { buildStrategy, dca, grid, guard, momentum, type Candle, type Intent, type Strategy } from '../../src/domain/strategies';

// Price 100.00 = 10,000 ticks; 1 lot = 0.0001 BTC = 10,000 base atoms; tick × lot = 1 quote atom (USDT has 6 decimals).
const SPEC: MarketSpec = {
  id: 'BTC-USDT',
  base: 'BTC',
  quote: 'USDT',
  baseDecimals: 8,
  quoteDecimals: 6,
  tickSize: '0.01',
  lotSize: '0.0001',
  makerFeeBps: 10,
  takerFeeBps: 20,
};
const MINUTE = 60_000;
const BTC = 100_000_000;
const USDT = 1_000_000;
const LOT = 10_000;

function candles(rows: Array<[open: number, high: number, low: number, close: number]>): Candle[] {
  return rows.map(([open, high, low, close], i) => ({ ts: i * MINUTE, open, high, low, close, volume: 1 }));
}

/** A strategy that plays back a script of intents, one list per candle, and records what it saw. */
function scripted(script: Intent[][]): Strategy & { seen: Parameters<Strategy['step']>[0][] } {
  const seen: Parameters<Strategy['step']>[0][] = [];
  return {
    indicators: [],
    seen,
    step(input) {
      seen.push({ ...input, openOrders: [...input.openOrders], fills: [...input.fills], balances: structuredClone(input.balances) });
      return script[seen.length - 1] ?? [];
    },
  };
}

/** A seeded random walk of 1-minute candles (mulberry32), for determinism and volume. */
function walk(count: number, seed: number, start = 10_000): Candle[] {
  let state = seed >>> 0;
  const rand = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: Candle[] = [];
  let price = start;
  for (let i = 0; i < count; i += 1) {
    const open = price;
    const close = Math.max(100, open + Math.round((rand() - 0.5) * 60));
    out.push({
      ts: i * MINUTE,
      open,
      high: Math.max(open, close) + Math.round(rand() * 20),
      low: Math.min(open, close) - Math.round(rand() * 20),
      close,
      volume: 10,
    });
    price = close;
  }
  return out;
}

const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

describe('backtest on the matching engine library', () => {
  it("fills a resting buy when a later candle's range reaches it, at its own price, as maker", () => {
    const strategy = scripted([
      [{ kind: 'place', orderType: 'limit', clientOrderId: 'b1', side: 'buy', price: 9_900, quantity: 100, reason: 'test' }],
    ]);
    const result = runBacktest({
      market: SPEC,
      strategy,
      initialBalances: { base: 0, quote: 1_000 * USDT },
      candles: candles([
        [10_000, 10_010, 9_990, 10_000],
        [10_000, 10_050, 9_950, 10_020], // does not reach 99.00
        [10_020, 10_030, 9_800, 9_850], // does
        [9_850, 9_900, 9_800, 9_880],
      ]),
    });
    expect(result.trades).toEqual([
      { ts: 2 * MINUTE, clientOrderId: 'b1', side: 'buy', price: 9_900, quantity: 100, fee: 990, liquidity: 'maker' },
    ]);
    // The strategy sees the order open until the fill, and the fill at the next step.
    expect(strategy.seen[1].openOrders).toEqual([{ clientOrderId: 'b1', side: 'buy', price: 9_900, remaining: 100 }]);
    expect(strategy.seen[2].fills).toEqual([{ clientOrderId: 'b1', side: 'buy', price: 9_900, quantity: 100, fee: 990, ts: 2 * MINUTE }]);
    expect(strategy.seen[2].openOrders).toEqual([]);
    // Paid 99.00 × 0.01 BTC = 0.99 USDT plus the 0.1% maker fee, in quote (the engine's rule).
    expect(result.finalBalances).toEqual({ base: 100 * LOT, quote: 1_000 * USDT - 990_000 - 990 });
  });

  it('fills a market order at the close moved by the slippage, as taker', () => {
    const strategy = scripted([
      [{ kind: 'place', orderType: 'market', clientOrderId: 'm1', side: 'buy', quoteAmount: 100 * USDT, reason: 'test' }],
      [{ kind: 'place', orderType: 'market', clientOrderId: 'm2', side: 'sell', quantity: 50, reason: 'test' }],
    ]);
    const result = runBacktest({
      market: SPEC,
      strategy,
      slippageBps: 50,
      initialBalances: { base: 0, quote: 1_000 * USDT },
      candles: candles([
        [10_000, 10_000, 10_000, 10_000],
        [10_000, 10_000, 10_000, 10_000],
      ]),
    });
    expect(result.trades.map(({ side, price, liquidity }) => ({ side, price, liquidity }))).toEqual([
      { side: 'buy', price: 10_050, liquidity: 'taker' },
      { side: 'sell', price: 9_950, liquidity: 'taker' },
    ]);
    // 100 USDT including the 0.2% fee buys floor(100 / 1.002 / 100.50) BTC in lots.
    expect(result.trades[0].quantity).toBe(Math.floor((100 * USDT) / 1.002 / 10_050));
    expect(result.finalBalances.quote).toBeLessThan(1_000 * USDT);
  });

  it('records what the engine refuses (no funds) and goes on', () => {
    const strategy = scripted([
      [{ kind: 'place', orderType: 'limit', clientOrderId: 's1', side: 'sell', price: 10_100, quantity: 100, reason: 'test' }],
    ]);
    const result = runBacktest({
      market: SPEC,
      strategy,
      initialBalances: { base: 0, quote: 0 },
      candles: candles([[10_000, 10_000, 10_000, 10_000]]),
    });
    expect(result.rejections).toEqual([{ ts: 0, clientOrderId: 's1', code: 'INSUFFICIENT_FUNDS' }]);
    expect(result.trades).toEqual([]);
  });

  it('runs a grid over a price path: buys on the dip, sells the rebound one level up, and profits', () => {
    const strategy = buildStrategy(grid, { lower: '95', upper: '105', levels: 5, quantityPerLevel: '0.1' }, SPEC);
    // Levels 95, 97.50, 100, 102.50, 105. Start at 101: dip to 96, back to 104.
    const result = runBacktest({
      market: SPEC,
      strategy,
      initialBalances: { base: 0, quote: 1_000 * USDT },
      candles: candles([
        [10_100, 10_100, 10_100, 10_100],
        [10_100, 10_100, 9_900, 9_950], // fills the 100 buy
        [9_950, 9_950, 9_600, 9_650], // fills the 97.50 buy
        [9_650, 10_100, 9_650, 10_050], // green: the 97.50 → 100 offer fills
        [10_050, 10_400, 10_050, 10_350], // the 100 → 102.50 offer fills
        [10_350, 10_350, 10_300, 10_300],
      ]),
    });
    expect(result.trades.map((t) => `${t.side} ${t.price}`)).toEqual(['buy 10000', 'buy 9750', 'sell 10000', 'sell 10250']);
    expect(result.winRate).toBe(1);
    expect(result.finalEquity).toBeGreaterThan(result.initialEquity);
    expect(result.totalReturn).toBeGreaterThan(0);
    expect(result.equity).toHaveLength(6);
  });

  it('measures drawdown on a momentum round trip that loses', () => {
    const strategy = buildStrategy(momentum, { signal: 'EMA_CROSS', fast: 2, slow: 4, amount: '500' }, SPEC);
    const closes = [10_000, 9_900, 9_800, 9_700, 9_600, 9_800, 10_000, 10_200, 9_900, 9_500, 9_200, 9_000];
    const result = runBacktest({
      market: SPEC,
      strategy,
      slippageBps: 10,
      initialBalances: { base: 0, quote: 1_000 * USDT },
      candles: candles(closes.map((c) => [c, c, c, c])),
    });
    expect(result.trades.map((t) => t.side)).toEqual(['buy', 'sell']);
    expect(result.winRate).toBe(0);
    expect(result.totalReturn).toBeLessThan(0);
    expect(result.maxDrawdown).toBeGreaterThan(0);
    expect(result.sharpe).toBeLessThan(0);
  });

  it('DCA: interval buys at the close, safety buys filled by a dip, the ladder replaced at the next buy', () => {
    const strategy = buildStrategy(
      dca,
      { amount: '100', intervalMinutes: 3, safetyOrders: { count: 2, stepBps: 200, amount: '50' } },
      SPEC,
    );
    const result = runBacktest({
      market: SPEC,
      strategy,
      initialBalances: { base: 0, quote: 1_000 * USDT },
      candles: candles([
        [10_000, 10_000, 10_000, 10_000], // buy 1; safety buys at 98 and 96
        [10_000, 10_000, 9_750, 9_800], // dips through 98: the first safety buy fills
        [9_800, 9_900, 9_800, 9_900],
        [9_900, 9_900, 9_900, 9_900], // buy 2: the 96 safety buy is cancelled, a new ladder at 97.02 / 95.04
      ]),
    });
    expect(result.trades.map((t) => `${t.ts / MINUTE} ${t.clientOrderId} ${t.price} ${t.liquidity}`)).toEqual([
      '0 dca:buy:1 10000 taker',
      '1 dca:safety:1:1 9800 maker',
      '3 dca:buy:2 9900 taker',
    ]);
    expect(result.rejections).toEqual([]);
  });

  it('guard: sells the holding at the close that crosses the stop', () => {
    const strategy = buildStrategy(guard, { stopLoss: '95' }, SPEC);
    const result = runBacktest({
      market: SPEC,
      strategy,
      initialBalances: { base: BTC / 10, quote: 0 },
      candles: candles([
        [10_000, 10_000, 10_000, 10_000],
        [10_000, 10_000, 9_400, 9_600], // a wick through 95 that closes above: held
        [9_600, 9_600, 9_450, 9_480], // closes below: sold
        [9_480, 9_480, 9_000, 9_000],
      ]),
    });
    expect(result.trades.map((t) => `${t.ts / MINUTE} ${t.side} ${t.price} x${t.quantity}`)).toEqual(['2 sell 9480 x1000']);
    expect(result.finalBalances.base).toBe(0);
    expect(result.finalBalances.quote).toBe(9_480 * 1_000 - (9_480 * 1_000 * 20) / 10_000);
  });

  it('is deterministic: the same backtest twice hashes the same, another path differently', () => {
    const run = (seed: number) => {
      const config: BacktestConfig = {
        market: SPEC,
        strategy: buildStrategy(grid, { lower: '90', upper: '110', levels: 21, quantityPerLevel: '0.05' }, SPEC),
        initialBalances: { base: 2 * BTC, quote: 10_000 * USDT },
        slippageBps: 5,
        candles: walk(3_000, seed),
      };
      return runBacktest(config);
    };
    const first = run(7);
    expect(first.trades.length).toBeGreaterThan(20);
    expect(hash(run(7))).toBe(hash(first));
    expect(hash(run(8))).not.toBe(hash(first));
    const m = (seed: number) =>
      runBacktest({
        market: SPEC,
        strategy: buildStrategy(momentum, { signal: 'MACD', fast: 12, slow: 26, amount: '1000' }, SPEC),
        initialBalances: { base: 0, quote: 10_000 * USDT },
        candles: walk(3_000, seed),
      });
    const momentumRun = m(3);
    expect(momentumRun.trades.length).toBeGreaterThan(10);
    expect(hash(m(3))).toBe(hash(momentumRun));
  });

  it('refuses candles out of time order and a bad slippage, naming the field', () => {
    const strategy = scripted([]);
    const bad = candles([
      [1, 1, 1, 1],
      [1, 1, 1, 1],
    ]).reverse();
    expect(() => runBacktest({ market: SPEC, strategy, initialBalances: { base: 0, quote: 0 }, candles: bad })).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'candles' } }),
    );
    expect(() => runBacktest({ market: SPEC, strategy, initialBalances: { base: 0, quote: 0 }, candles: [], slippageBps: 0.5 })).toThrow(
      expect.objectContaining({ details: { field: 'slippageBps' } }),
    );
  });
});
