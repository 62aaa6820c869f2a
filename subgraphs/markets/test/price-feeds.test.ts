import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { BinanceFeed, binanceSymbols, parseTicksCsv, ReplayFeed, SimulatedFeed, type FeedTick } from '../src/infra/feeds';

const FIXTURES = path.join(__dirname, 'fixtures');
/** Recorded Binance combined-stream messages (a subscription ack, trades, a mini ticker, an unmapped symbol). */
const RECORDED = readFileSync(path.join(FIXTURES, 'binance-trades.jsonl'), 'utf8').split('\n').filter(Boolean);

/** A local stand-in for Binance's stream endpoint: records the paths asked for, plays the recording to each connection. */
async function binanceServer() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const paths: string[] = [];
  const sockets: WebSocket[] = [];
  server.on('connection', (socket, request) => {
    paths.push(request.url ?? '');
    sockets.push(socket);
    for (const message of RECORDED) socket.send(message);
  });
  const port = () => (server.address() as { port: number }).port;
  return { server, paths, sockets, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (check()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error('condition not met in time'));
      setTimeout(poll, 10);
    };
    poll();
  });
}

describe('Binance adapter', () => {
  it('subscribes to the combined stream of the mapped symbols and maps trades and mini tickers to our markets', async () => {
    const local = await binanceServer();
    const ticks: FeedTick[] = [];
    const feed = new BinanceFeed({
      baseUrl: `ws://127.0.0.1:${local.port()}`,
      symbols: binanceSymbols(['BTC-USDT', 'ETH-USDT'], undefined),
      stream: 'trade',
      reconnectMinMs: 20,
      reconnectMaxMs: 200,
    });
    await feed.start((tick) => ticks.push(tick));
    await until(() => ticks.length >= 5);
    expect(local.paths[0]).toBe('/stream?streams=btcusdt@trade/ethusdt@trade');
    expect(ticks.map((t) => [t.market, t.price, t.at.toISOString()])).toEqual([
      ['BTC-USDT', '91234.56', '2025-11-21T12:00:00.100Z'],
      ['ETH-USDT', '3021.17', '2025-11-21T12:00:00.204Z'],
      ['BTC-USDT', '91235.01', '2025-11-21T12:00:00.311Z'],
      ['BTC-USDT', '91240', '2025-11-21T12:00:01.000Z'],
      ['ETH-USDT', '3020.99', '2025-11-21T12:00:01.104Z'],
    ]);
    await feed.stop();
    await local.close();
  });

  it('maps symbols by configuration', () => {
    const map = binanceSymbols(['BTC-USDT', 'XAU-USD'], 'XAU-USD:paxgusdt, BTC-USDT:BTCFDUSD');
    expect([...map]).toEqual([
      ['BTC-USDT', 'btcfdusd'],
      ['XAU-USD', 'paxgusdt'],
    ]);
  });

  it('reconnects with backoff after the server drops the connection, and prices flow again', async () => {
    const local = await binanceServer();
    const ticks: FeedTick[] = [];
    const states: { state: string; delayMs?: number }[] = [];
    const feed = new BinanceFeed({
      baseUrl: `ws://127.0.0.1:${local.port()}`,
      symbols: binanceSymbols(['BTC-USDT', 'ETH-USDT'], undefined),
      stream: 'trade',
      reconnectMinMs: 20,
      reconnectMaxMs: 200,
      onState: (state, detail) => states.push({ state, delayMs: detail.delayMs }),
    });
    await feed.start((tick) => ticks.push(tick));
    await until(() => ticks.length === 5);
    // The server drops the connection (as Binance does every 24 h, or on a network fault).
    local.sockets[0]!.terminate();
    await until(() => local.paths.length === 2 && ticks.length === 10);
    expect(states.filter((s) => s.state === 'disconnected')).toHaveLength(1);
    expect(states.map((s) => s.state)).toEqual(['connected', 'disconnected', 'connected']);
    expect(ticks.slice(5).map((t) => t.price)).toEqual(ticks.slice(0, 5).map((t) => t.price));

    // With the server gone, the delay doubles per failed attempt, up to the maximum.
    const closing = local.close(); // stops accepting at once
    local.sockets[1]!.terminate();
    await closing;
    await until(() => states.filter((s) => s.state === 'disconnected').length >= 5);
    const delays = states.filter((s) => s.state === 'disconnected').map((s) => s.delayMs);
    expect(delays.slice(0, 5)).toEqual([20, 20, 40, 80, 160]);
    await feed.stop();
  });
});

describe('replay adapter', () => {
  it('reads the at,market,price CSV (the history export format) and plays it in order', async () => {
    const file = path.join(FIXTURES, 'ticks.csv');
    expect(parseTicksCsv(readFileSync(file, 'utf8')).map((t) => t.price)).toEqual(['65000.5', '3200.25', '65001', '64999.99']);
    const ticks: FeedTick[] = [];
    const feed = new ReplayFeed(file, { speed: 0, loop: false, keepRecordedTime: true });
    await feed.start((tick) => ticks.push(tick));
    await until(() => ticks.length === 4);
    expect(ticks.map((t) => `${t.at.toISOString()} ${t.market} ${t.price}`)).toEqual([
      '2026-11-21T12:00:00.000Z BTC-USDT 65000.5',
      '2026-11-21T12:00:00.100Z ETH-USDT 3200.25',
      '2026-11-21T12:00:00.200Z BTC-USDT 65001',
      '2026-11-21T12:00:00.300Z BTC-USDT 64999.99',
    ]);
    await feed.stop();
  });

  it('refuses a line that is not at,market,price', () => {
    expect(() => parseTicksCsv('at,market,price\n2026-11-21T12:00:00Z,BTC-USDT,abc\n')).toThrow(/line 2/);
  });
});

describe('simulated feed', () => {
  it('is deterministic under a seed and stays on the tick', () => {
    const markets = [
      { symbol: 'BTC-USDT', tickSize: '0.01', referencePrice: '65000' },
      { symbol: 'EUR-USD', tickSize: '0.00001', referencePrice: '1.08' },
    ];
    const a = new SimulatedFeed(markets, { intervalMs: 1000, seed: 7 });
    const b = new SimulatedFeed(markets, { intervalMs: 1000, seed: 7 });
    const at = new Date('2026-11-21T12:00:00Z');
    const runA = Array.from({ length: 20 }, () => a.step(at)).flat();
    const runB = Array.from({ length: 20 }, () => b.step(at)).flat();
    expect(runA).toEqual(runB);
    for (const tick of runA.filter((t) => t.market === 'BTC-USDT')) expect(tick.price).toMatch(/^\d+(\.\d{1,2})?$/);
    expect(new Set(runA.map((t) => t.price)).size).toBeGreaterThan(2);
  });

  it('walks a market followed while running from its reference price, the same way every time', () => {
    const listedAtStart = [{ symbol: 'BTC-USDT', tickSize: '0.01', referencePrice: '65000' }];
    const sol = { symbol: 'SOL-USDC', tickSize: '0.005', referencePrice: '150' };
    const at = new Date('2026-11-21T12:00:00Z');
    const run = () => {
      const feed = new SimulatedFeed(listedAtStart, { intervalMs: 1000, seed: 7 });
      const before = feed.step(at);
      feed.follow(sol);
      feed.follow(sol); // a second listing event for the same market changes nothing
      return { before, after: Array.from({ length: 20 }, () => feed.step(at)).flat() };
    };
    const { before, after } = run();
    expect(before.map((t) => t.market)).toEqual(['BTC-USDT']);
    const solTicks = after.filter((t) => t.market === 'SOL-USDC');
    expect(solTicks).toHaveLength(20);
    for (const tick of solTicks) {
      expect(Number.isInteger(Math.round(Number(tick.price) * 1000) / 5)).toBe(true);
      expect(Math.abs(Number(tick.price) - 150)).toBeLessThan(5);
    }
    expect(run().after).toEqual(after);
  });
});
