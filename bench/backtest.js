// npm run bench:backtest — one year of 1-minute candles (525,600; BENCH_CANDLES to change) for one
// market through the backtest core (subgraphs/trading/src/domain/backtest, on the matching
// engine library) with the grid and the momentum (MACD) strategies, beside a plain loop that only
// reads the same candles (the ceiling). The candles are a seeded mean-reverting random walk, so
// the grid keeps trading all year and runs are repeatable. Runs from the built dist (`npm run build`).
// Writes bench/results/backtest.json {candles, grid_s, momentum_s, ceiling_candles_per_s}.
const { intEnv, log, writeResult } = require('./lib/common.js');
const { runBacktest } = require('../subgraphs/trading/dist/domain/backtest');
const { buildStrategy, grid, momentum } = require('../subgraphs/trading/dist/domain/strategies');

const CANDLES = intEnv('BENCH_CANDLES', 525_600);
const MINUTE = 60_000;
const START = Date.UTC(2025, 0, 1);

// BTC-USDT-like: price 30,000.00 = 3,000,000 ticks; 1 lot = 0.0001 BTC; fees 0.1% / 0.2%.
const MARKET = {
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

/** Seeded PRNG (mulberry32). */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 1-minute candles around 30,000 (ticks), pulled back toward the mean so they stay in the grid's range. */
function candles(count, seed) {
  const rand = random(seed);
  const mean = 3_000_000;
  const out = new Array(count);
  let price = mean;
  for (let i = 0; i < count; i += 1) {
    const open = price;
    const step = Math.round((rand() - 0.5) * 3_000 + (mean - open) * 0.001);
    const close = Math.max(1_000, open + step);
    const high = Math.max(open, close) + Math.round(rand() * 1_000);
    const low = Math.min(open, close) - Math.round(rand() * 1_000);
    out[i] = { ts: START + i * MINUTE, open, high, low, close, volume: 100 };
    price = close;
  }
  return out;
}

function seconds(start) {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function ceiling(data) {
  const start = process.hrtime.bigint();
  let sum = 0;
  for (const candle of data) sum += candle.close + candle.high - candle.low;
  const s = seconds(start);
  if (sum === 0) log('(empty)');
  return s;
}

function run(name, strategy, data) {
  const start = process.hrtime.bigint();
  const result = runBacktest({
    market: MARKET,
    strategy,
    candles: data,
    initialBalances: { base: 100_000_000, quote: 100_000 * 1_000_000 },
    slippageBps: 5,
  });
  const s = seconds(start);
  log(
    `${name}: ${s.toFixed(3)} s, ${Math.round(data.length / s).toLocaleString('en')} candles/s — ${result.trades.length} trades, ` +
      `return ${(result.totalReturn * 100).toFixed(2)}%, max drawdown ${(result.maxDrawdown * 100).toFixed(2)}%, ` +
      `win rate ${result.winRate === null ? '-' : (result.winRate * 100).toFixed(1) + '%'}, Sharpe ${result.sharpe === null ? '-' : result.sharpe.toFixed(2)}`,
  );
  return s;
}

function main() {
  log(`${CANDLES.toLocaleString('en')} one-minute candles`);
  const data = candles(CANDLES, 2025);
  ceiling(data); // warm up
  const ceilingS = ceiling(data);
  const ceilingRate = Math.round(CANDLES / ceilingS);
  log(`ceiling (a loop that only reads the candles): ${ceilingRate.toLocaleString('en')} candles/s`);
  const gridS = run('grid', buildStrategy(grid, { lower: '27000', upper: '33000', levels: 60, quantityPerLevel: '0.01' }, MARKET), data);
  const momentumS = run(
    'momentum',
    buildStrategy(momentum, { signal: 'MACD', fast: 12, slow: 26, signalPeriod: 9, amount: '1000' }, MARKET),
    data,
  );
  writeResult('backtest', {
    candles: CANDLES,
    grid_s: Math.round(gridS * 1000) / 1000,
    momentum_s: Math.round(momentumS * 1000) / 1000,
    ceiling_candles_per_s: ceilingRate,
  });
}

main();
