import Redis from 'ioredis';
import { REDIS_URL, busChannel } from '../harness/env';
import { collect, eventually, publishUntil, wsClient } from '../harness/client';

// Live candles and tickers through the gateway. A burst of candle changes reaches a subscriber
// coalesced (at most one per MARKETS_SUBSCRIPTION_INTERVAL_MS, 1 s by default) with the last
// value intact; a reference tick becomes a ticker update end to end.
const MARKET = 'XAU-USD';
let redis: Redis;
beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await redis.quit();
});

const candleEvent = (close: number) => ({
  market: MARKET,
  interval: '1m',
  openTime: '2026-11-21T12:00:00.000Z',
  open: '2400',
  high: String(2400 + close),
  low: '2400',
  close: String(2400 + close),
  volume: '0',
  quoteVolume: '0',
  trades: 0,
});

describe('candle and ticker subscriptions', () => {
  it('coalesces a burst of candle updates and keeps the last one', async () => {
    const client = wsClient();
    const sub = collect(
      client,
      'subscription { candleUpdated(market: "XAU-USD", interval: "1m") { interval openTime closeTime close market { symbol } } }',
    );
    const channel = busChannel(`markets.candle.${MARKET}.1m`);
    await publishUntil(redis, channel, candleEvent(0), () => sub.results.length);
    const before = sub.results.length;
    const BURST = 100;
    for (let n = 1; n <= BURST; n += 1) await redis.publish(channel, JSON.stringify(candleEvent(n)));
    const last = String(2400 + BURST);
    await eventually(async () => expect(sub.results.at(-1)?.data?.candleUpdated.close).toBe(last), 15000);
    const burst = sub.results.slice(before).map((r) => r.data.candleUpdated.close);
    expect(burst.length).toBeLessThan(BURST); // coalesced, not one update per change
    expect(burst.at(-1)).toBe(last); // the latest value is never dropped
    const numbers = burst.map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b)); // never an older value after a newer one
    expect(sub.results.at(-1)!.data.candleUpdated).toEqual({
      interval: '1m',
      openTime: '2026-11-21T12:00:00.000Z',
      closeTime: '2026-11-21T12:01:00.000Z',
      close: last,
      market: { symbol: MARKET },
    });
    sub.unsubscribe();
    await client.dispose();
  });

  it('turns a reference tick into a ticker update (market without trading: source feed)', async () => {
    const client = wsClient();
    const sub = collect(client, 'subscription { tickerUpdated(market: "XAU-USD") { last volume source market { symbol } } }');
    const tick = { market: MARKET, price: '2412.34', at: new Date().toISOString() };
    await publishUntil(redis, busChannel(`markets.price.${MARKET}`), tick, () =>
      sub.results.filter((r) => r.data?.tickerUpdated.last === '2412.34').length,
    );
    expect(sub.results.at(-1)!.data.tickerUpdated).toEqual({ last: '2412.34', volume: '0', source: 'feed', market: { symbol: MARKET } });
    sub.unsubscribe();
    await client.dispose();
  });
});
