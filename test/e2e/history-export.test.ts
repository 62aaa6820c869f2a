import Redis from 'ioredis';
import { eventually, gql } from '../harness/client';
import { GATEWAY_URL, REDIS_URL, busChannel } from '../harness/env';

// Reference price history: ticks published on the feed's channel are recorded, folded into
// zero-volume candles (the market has never traded), and exported as CSV through the gateway.
// Ticks carry times on a day long past, so nothing else published on this market interferes,
// and the market is one no other test trades in (a market that has traded serves trade candles).
const MARKET = 'USDC-USDT';
const DAY = '2025-03-04';
const TICKS = [
  ['00:00:05.000', '1.0001'],
  ['00:00:17.250', '1.0015'],
  ['00:00:59.999', '0.9999'],
  ['00:01:00.000', '1.002'],
  ['00:01:30.000', '1.0032'],
  ['00:03:10.000', '0.9987'],
].map(([time, price]) => ({ market: MARKET, price, at: `${DAY}T${time}Z` }));
const FROM = `${DAY}T00:00:00.000Z`;
const TO = `${DAY}T00:10:00.000Z`;

function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.split(','));
}

let redis: Redis;
beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  for (const tick of TICKS) await redis.publish(busChannel(`markets.price.${MARKET}`), JSON.stringify(tick));
});
afterAll(async () => {
  await redis.quit();
});

const exportUrl = (kind: string, query: string) => `${GATEWAY_URL}/export/${kind}.csv?${query}`;

describe('price history and CSV export', () => {
  it('records every tick and exports it as at,market,price', async () => {
    const rows = await eventually(async () => {
      const response = await fetch(exportUrl('ticks', `market=${MARKET}&from=${FROM}&to=${TO}`));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      const parsed = parseCsv(await response.text());
      expect(parsed.length).toBe(TICKS.length + 1);
      return parsed;
    });
    expect(rows[0]).toEqual(['at', 'market', 'price']);
    expect(rows.slice(1)).toEqual(TICKS.map((t) => [new Date(t.at).toISOString(), t.market, t.price]));

    const limited = parseCsv(await (await fetch(exportUrl('ticks', `market=${MARKET}&from=${FROM}&to=${TO}&limit=2`))).text());
    expect(limited.slice(1)).toEqual(rows.slice(1, 3));
  });

  it('exports candles exactly as the candles query serves them', async () => {
    const expected1m = [
      { openTime: `${DAY}T00:00:00.000Z`, open: '1.0001', high: '1.0015', low: '0.9999', close: '0.9999' },
      { openTime: `${DAY}T00:01:00.000Z`, open: '1.002', high: '1.0032', low: '1.002', close: '1.0032' },
      { openTime: `${DAY}T00:03:00.000Z`, open: '0.9987', high: '0.9987', low: '0.9987', close: '0.9987' },
    ];
    for (const interval of ['1m', '5m']) {
      const query = await eventually(async () => {
        const result = await gql(
          `query ($m: String!, $i: String!, $f: DateTime!, $t: DateTime!) {
             candles(market: $m, interval: $i, from: $f, to: $t) { edges { node { openTime open high low close volume trades } } } }`,
          { m: MARKET, i: interval, f: FROM, t: TO },
        );
        const nodes = result.data.candles.edges.map((e: any) => e.node);
        expect(nodes.length).toBe(interval === '1m' ? 3 : 1);
        return nodes;
      });
      if (interval === '1m') expect(query).toEqual(expected1m.map((c) => ({ ...c, volume: '0', trades: 0 })));
      else expect(query).toEqual([{ openTime: `${DAY}T00:00:00.000Z`, open: '1.0001', high: '1.0032', low: '0.9987', close: '0.9987', volume: '0', trades: 0 }]);

      const response = await fetch(exportUrl('candles', `market=${MARKET}&interval=${interval}&from=${FROM}&to=${TO}`));
      expect(response.status).toBe(200);
      const rows = parseCsv(await response.text());
      expect(rows[0]).toEqual(['open_time', 'open', 'high', 'low', 'close', 'volume']);
      expect(rows.slice(1)).toEqual(query.map((c: any) => [c.openTime, c.open, c.high, c.low, c.close, c.volume]));
    }
  });

  it('refuses bad export requests', async () => {
    const status = async (url: string) => {
      const response = await fetch(url);
      return { status: response.status, code: ((await response.json()) as any).code };
    };
    expect(await status(exportUrl('candles', `market=${MARKET}&interval=2m`))).toEqual({ status: 400, code: 'BAD_USER_INPUT' });
    expect(await status(exportUrl('candles', `market=NOPE-USD&interval=1m`))).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(await status(exportUrl('ticks', `market=${MARKET}&from=${TO}&to=${FROM}`))).toEqual({ status: 400, code: 'BAD_USER_INPUT' });
    expect(await status(exportUrl('ticks', `market=${MARKET}&limit=0`))).toEqual({ status: 400, code: 'BAD_USER_INPUT' });
  });
});
