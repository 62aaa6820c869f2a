import path from 'node:path';
import { credit, eventually, gql, placeOrder, signUp, type TestUser } from '../harness/client';
import { ownSystem, startOwnSystem } from '../harness/env';

// Candles and tickers from the exchange's own fills: crossing orders go through the gateway to
// the real engine; markets builds OHLCV from the fills and must match, to the last digit, what
// this test computes from the same fills. Then markets is killed, trades happen while it is
// down, and after its restart the candles are exact again (catch-up from matching).
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(1100, 'candles');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;
const MARKET = 'BTC-USDT';
const INTERVALS = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '4h': 14_400_000, '1d': 86_400_000 } as const;

// Exact decimal arithmetic for the expectations (independent of the code under test).
const SCALE = 10n ** 18n;
const units = (s: string) => {
  const [w, f = ''] = s.split('.');
  return BigInt(w) * SCALE + BigInt(f.padEnd(18, '0'));
};
const show = (u: bigint, scale = SCALE) => {
  const neg = u < 0n;
  const a = neg ? -u : u;
  const digits = scale.toString().length - 1;
  const frac = (a % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / scale}${frac ? `.${frac}` : ''}`;
};

interface Fill {
  tradeId: string;
  price: string;
  quantity: string;
  createdAt: string;
}

function expectedCandles(fills: Fill[], interval: keyof typeof INTERVALS) {
  const size = INTERVALS[interval];
  const sorted = [...fills].sort((a, b) => Number(a.tradeId) - Number(b.tradeId));
  const byOpen = new Map<number, Fill[]>();
  for (const f of sorted) {
    const open = Math.floor(new Date(f.createdAt).getTime() / size) * size;
    byOpen.set(open, [...(byOpen.get(open) ?? []), f]);
  }
  return [...byOpen.entries()]
    .sort(([a], [b]) => a - b)
    .map(([open, list]) => ({
      openTime: new Date(open).toISOString(),
      closeTime: new Date(open + size).toISOString(),
      open: list[0].price,
      high: show(list.map((f) => units(f.price)).reduce((a, b) => (a > b ? a : b))),
      low: show(list.map((f) => units(f.price)).reduce((a, b) => (a < b ? a : b))),
      close: list[list.length - 1].price,
      volume: show(list.reduce((sum, f) => sum + units(f.quantity), 0n)),
      quoteVolume: show(
        list.reduce((sum, f) => sum + units(f.price) * units(f.quantity), 0n),
        SCALE * SCALE,
      ),
      trades: list.length,
    }));
}

async function candles(interval: string) {
  const result = await gql(
    `query ($market: String!, $interval: String!) { candles(market: $market, interval: $interval, first: 200) {
       edges { node { interval openTime closeTime open high low close volume quoteVolume trades market { symbol } } } } }`,
    { market: MARKET, interval },
    { url: GATEWAY },
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.candles.edges.map((e: any) => e.node);
}

async function takerFills(buyer: TestUser): Promise<Fill[]> {
  const result = await gql(
    `{ myFills(first: 200, market: "${MARKET}") { edges { node { tradeId price quantity liquidity createdAt } } } }`,
    {},
    { token: buyer.token, url: GATEWAY },
  );
  return result.data.myFills.edges.map((e: any) => e.node).filter((f: any) => f.liquidity === 'taker');
}

/** Each pair: the seller rests an order, the buyer takes `take` of it. */
async function trade(seller: TestUser, buyer: TestUser, n: string, price: string, rest: string, take: string) {
  await placeOrder(seller.token, { market: MARKET, side: 'sell', type: 'limit', price, quantity: rest, clientOrderId: `s-${n}` }, GATEWAY);
  await placeOrder(buyer.token, { market: MARKET, side: 'buy', type: 'limit', price, quantity: take, clientOrderId: `b-${n}` }, GATEWAY);
}

async function expectExact(buyer: TestUser, tradeCount: number) {
  const fills = await eventually(async () => {
    const list = await takerFills(buyer);
    if (list.length !== tradeCount) throw new Error(`${list.length} of ${tradeCount} fills`);
    return list;
  });
  for (const interval of Object.keys(INTERVALS) as (keyof typeof INTERVALS)[]) {
    const expected = expectedCandles(fills, interval).map((c) => ({ ...c, interval, market: { symbol: MARKET } }));
    await eventually(async () => expect(await candles(interval)).toEqual(expected), 15000);
  }
  // The 24h ticker over the same fills.
  const sorted = [...fills].sort((a, b) => Number(a.tradeId) - Number(b.tradeId));
  const open = units(sorted[0].price);
  const last = units(sorted[sorted.length - 1].price);
  const change = last - open;
  // changePercent to 4 places, half away from zero.
  const scaled = (change < 0n ? -change : change) * 100n * 10_000n;
  let q = scaled / open;
  if ((scaled % open) * 2n >= open) q += 1n;
  const pct = show((change < 0n ? -q : q) * (SCALE / 10_000n));
  // Public data carries a short cache hint (the gateway may answer from its response cache for
  // a second), so the ticker is awaited like the candles.
  await eventually(async () => {
    const ticker = await gql(
      `query ($m: String!) { ticker(market: $m) { open high low last volume quoteVolume change changePercent trades source }
         market(symbol: $m) { ticker { last } } }`,
      { m: MARKET },
      { url: GATEWAY },
    );
    expect(ticker.errors).toBeUndefined();
    expect(ticker.data.ticker).toEqual({
      open: show(open),
      high: show(sorted.map((f) => units(f.price)).reduce((a, b) => (a > b ? a : b))),
      low: show(sorted.map((f) => units(f.price)).reduce((a, b) => (a < b ? a : b))),
      last: show(last),
      volume: show(sorted.reduce((s, f) => s + units(f.quantity), 0n)),
      quoteVolume: show(
        sorted.reduce((s, f) => s + units(f.price) * units(f.quantity), 0n),
        SCALE * SCALE,
      ),
      change: show(change),
      changePercent: pct,
      trades: tradeCount,
      source: 'trades',
    });
    expect(ticker.data.market.ticker.last).toBe(show(last));
  }, 15000);
}

describe('candles and tickers from fills', () => {
  let system: any;
  let seller: TestUser;
  let buyer: TestUser;

  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      services: ['accounts', 'markets', 'matching'],
    });
    [seller, buyer] = [await signUp(GATEWAY), await signUp(GATEWAY)];
    await credit(seller.token, 'BTC', '10', GATEWAY);
    await credit(buyer.token, 'USDT', '1000000', GATEWAY);
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('refuses bad input', async () => {
    const ask = (vars: Record<string, unknown>) =>
      gql(
        'query ($m: String!, $i: String!, $f: DateTime, $t: DateTime) { candles(market: $m, interval: $i, from: $f, to: $t) { edges { cursor } } }',
        vars,
        {
          url: GATEWAY,
        },
      );
    expect((await ask({ m: MARKET, i: '2m' })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await ask({ m: MARKET, i: '1m', f: '2026-01-02T00:00:00Z', t: '2026-01-01T00:00:00Z' })).errors?.[0].extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
    expect((await ask({ m: 'NOPE-USDT', i: '1m' })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await gql('{ ticker(market: "NOPE-USDT") { last } }', {}, { url: GATEWAY })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await gql(`{ ticker(market: "${MARKET}") { last } }`, {}, { url: GATEWAY })).data.ticker).toBeNull();
  });

  it('computes OHLCV and the 24h ticker exactly from a known fill sequence', async () => {
    await trade(seller, buyer, '1', '60000', '0.01', '0.01');
    await trade(seller, buyer, '2', '60100.5', '0.02', '0.02');
    await trade(seller, buyer, '3', '59950.01', '0.005', '0.005');
    await trade(seller, buyer, '4', '60020.25', '0.03', '0.01'); // partial: 0.02 stays on the book
    await placeOrder(
      buyer.token,
      { market: MARKET, side: 'buy', type: 'limit', price: '60020.25', quantity: '0.00333', clientOrderId: 'b-5' },
      GATEWAY,
    );
    await expectExact(buyer, 5);
  });

  it('sorts the market list by 24h volume and change from these tickers', async () => {
    // BTC-USDT is the only market of this system that traded (and it closed above its open).
    const first = async (orderBy: string) =>
      (await gql(`{ markets(orderBy: ${orderBy}, first: 2) { edges { node { symbol } } } }`, {}, { url: GATEWAY })).data.markets.edges.map(
        (e: any) => e.node.symbol,
      );
    expect((await first('VOLUME'))[0]).toBe(MARKET);
    expect((await first('CHANGE'))[0]).toBe(MARKET);
  });

  it('pages candles both ways', async () => {
    const page = async (vars: Record<string, unknown>) =>
      (
        await gql(
          'query ($after: String, $newest: Boolean!) { candles(market: "BTC-USDT", interval: "1d", first: 1, after: $after, newestFirst: $newest) { edges { cursor node { openTime } } pageInfo { hasNextPage } } }',
          vars,
          { url: GATEWAY },
        )
      ).data.candles;
    const first = await page({ newest: false });
    expect(first.edges).toHaveLength(1);
    const newest = await page({ newest: true });
    expect(newest.edges[0].node.openTime).toBe((await candles('1d')).at(-1).openTime);
  });

  it('stays exact across a restart of markets with fills made while it was down', async () => {
    const exited = new Promise((resolve) => system.children.markets.once('exit', resolve));
    system.children.markets.kill('SIGKILL');
    await exited;
    await trade(seller, buyer, '6', '61000', '0.004', '0.004');
    await trade(seller, buyer, '7', '59000.99', '0.007', '0.007');
    await system.restart('markets');
    await expectExact(buyer, 7);
    // And live trades after the restart still arrive.
    await trade(seller, buyer, '8', '60500', '0.001', '0.001');
    await expectExact(buyer, 8);
  });
});
