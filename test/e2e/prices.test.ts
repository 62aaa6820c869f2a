import Redis from 'ioredis';
import { collect, credit, eventually, gql, metric, placeOrder, scrape, signUp, wsClient } from '../harness/client';
import { REDIS_URL, busChannel, subgraphUrl } from '../harness/env';

const QUOTE = 'market { symbol } price source at stale';
const marketsMetric = (name: string) => metric(subgraphUrl('markets'), name);

describe('prices', () => {
  const redis = new Redis(REDIS_URL);
  afterAll(() => redis.quit());

  /** Publishes a price as the feed would, and waits until the price query shows it. */
  async function publishPrice(market: string, price: string, at = new Date().toISOString()) {
    await redis.publish(busChannel(`markets.price.${market}`), JSON.stringify({ market, price, at }));
    await eventually(async () => {
      const result = await gql('query ($m: String!) { price(market: $m) { price at } }', { m: market });
      if (result.data?.price?.price !== price) throw new Error(`not yet: ${JSON.stringify(result)}`);
    });
  }

  it('answers many markets in one request, in the order asked, from the cache', async () => {
    // Markets no other test trades in (a traded market shows its trade price, not the feed's);
    // published again until both show, as another test may publish on USDC-USDT meanwhile.
    await eventually(async () => {
      await redis.publish(
        busChannel('markets.price.USDC-USDT'),
        JSON.stringify({ market: 'USDC-USDT', price: '1.0002', at: new Date().toISOString() }),
      );
      await redis.publish(
        busChannel('markets.price.BTC-USDC'),
        JSON.stringify({ market: 'BTC-USDC', price: '64100.5', at: new Date().toISOString() }),
      );
      const result = await gql(`{ prices(markets: ["USDC-USDT", "BTC-USDC", "USDC-USDT"]) { ${QUOTE} } }`);
      expect(result.errors).toBeUndefined();
      expect(result.data.prices.map((q: any) => [q.market.symbol, q.price, q.source, q.stale])).toEqual([
        ['USDC-USDT', '1.0002', 'feed', false],
        ['BTC-USDC', '64100.5', 'feed', false],
        ['USDC-USDT', '1.0002', 'feed', false],
      ]);
    });

    const unknown = await gql('{ prices(markets: ["ETH-USDT", "NOPE-USDT"]) { price } }');
    expect(unknown.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(unknown.errors?.[0].message).toContain('NOPE-USDT');
    const single = await gql('{ price(market: "NOPE-USDT") { price } }');
    expect(single.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('serves a hit without Postgres, a miss from Postgres, and counts both', async () => {
    await publishPrice('BTC-USDC', '64000.01');
    // Let the batched writes reach Postgres and the cache, then drop the cache entry so the next read misses.
    await eventually(async () => {
      const response = await fetch(`${subgraphUrl('markets')}/metrics`);
      if (!response.ok) throw new Error('no metrics');
      const { Client } = await import('pg');
      const client = new Client({ connectionString: process.env.E2E_DATABASE_URL });
      await client.connect();
      const rows = (await client.query(`SELECT price::text FROM markets.last_prices WHERE market = 'BTC-USDC'`)).rows;
      await client.end();
      if (rows[0]?.price !== '64000.010000000000000000') throw new Error(`not persisted yet: ${JSON.stringify(rows)}`);
    });
    // And the batched cache write (PRICE_CACHE_WRITE_MS): until it is done, reads take the price from memory.
    await eventually(async () => {
      const cached = await redis.get(busChannel('markets:price:BTC-USDC'));
      if (JSON.parse(cached ?? '{}').price !== '64000.01') throw new Error(`cache not written yet: ${cached}`);
    });
    // The counters are the process's, and other test files read prices meanwhile (a market listed
    // elsewhere misses once too): a measurement another read fell into is taken again.
    let before = { hits: 0, misses: 0, reads: 0 };
    let afterMiss = { hits: 0, misses: 0, reads: 0 };
    const counters = async () => {
      const sample = await scrape(subgraphUrl('markets'));
      return {
        hits: sample('markets_price_cache_hits_total'),
        misses: sample('markets_price_cache_misses_total'),
        reads: sample('markets_price_store_reads_total'),
      };
    };
    for (let attempt = 0; attempt < 5; attempt++) {
      await redis.del(busChannel('markets:price:BTC-USDC'));
      before = await counters();
      const miss = await gql(`{ missed${attempt}: price(market: "BTC-USDC") { price source } }`);
      expect(miss.data[`missed${attempt}`]).toEqual({ price: '64000.01', source: 'feed' });
      afterMiss = await counters();
      if (afterMiss.misses === before.misses + 1 && afterMiss.reads === before.reads + 1) break;
    }
    expect(afterMiss.misses).toBe(before.misses + 1);
    expect(afterMiss.reads).toBe(before.reads + 1);

    // The miss put the price back in the cache: the next reads are hits and Postgres is not asked.
    // (Each query differs, so the gateway's response cache for public data cannot answer it.)
    let beforeHits = afterMiss;
    let afterHits = afterMiss;
    for (let attempt = 0; attempt < 5; attempt++) {
      beforeHits = await counters();
      for (let i = 0; i < 3; i++) {
        const alias = `p${attempt}_${i}`;
        const hit = await gql(`{ ${alias}: price(market: "BTC-USDC") { price } prices(markets: ["BTC-USDC"]) { price } }`);
        expect(hit.data).toEqual({ [alias]: { price: '64000.01' }, prices: [{ price: '64000.01' }] });
      }
      afterHits = await counters();
      if (afterHits.reads === beforeHits.reads) break;
    }
    expect(afterHits.hits).toBeGreaterThanOrEqual(beforeHits.hits + 6);
    expect(afterHits.reads).toBe(beforeHits.reads);
    expect(await marketsMetric('markets_price_cache_hit_ratio')).toBeGreaterThan(0);
    expect(await redis.pttl(busChannel('markets:price:BTC-USDC'))).toBeGreaterThan(0);
  });

  it('writes a burst of prices to the cache together, only the latest, and answers the latest meanwhile', async () => {
    const key = busChannel('markets:price:USDC-USDT');
    // MONITOR shows every command Redis runs: here, each SET of this market's cache entry.
    const monitor = await redis.monitor();
    const writes: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'set' && args[1] === key) writes.push(args[2]!);
    });
    try {
      const start = Date.now();
      const prices = Array.from({ length: 30 }, (_, i) => `1.0${300 + i}`);
      const burst = redis.pipeline();
      prices.forEach((price, i) =>
        burst.publish(
          busChannel('markets.price.USDC-USDT'),
          JSON.stringify({ market: 'USDC-USDT', price, at: new Date(start + i).toISOString() }),
        ),
      );
      await burst.exec();
      const latest = prices[prices.length - 1];

      // The query answers the latest price whether or not the cache write has happened yet.
      let attempt = 0;
      await eventually(async () => {
        attempt += 1;
        const result = await gql(`{ p${attempt}: price(market: "USDC-USDT") { price } }`);
        if (result.data?.[`p${attempt}`]?.price !== latest) throw new Error(`not yet: ${JSON.stringify(result)}`);
      });
      await eventually(async () => {
        const cached = await redis.get(key);
        if (JSON.parse(cached ?? '{}').price !== latest) throw new Error(`cache not written yet: ${cached}`);
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      // 30 prices, gathered for PRICE_CACHE_WRITE_MS (50 ms): a write or two, not 30; the last is the latest.
      expect(writes.length).toBeGreaterThanOrEqual(1);
      expect(writes.length).toBeLessThanOrEqual(3);
      expect(JSON.parse(writes[writes.length - 1]!).price).toBe(latest);
      expect(await redis.pttl(key)).toBeGreaterThan(0);
    } finally {
      monitor.disconnect();
    }
  });

  it('flags an old price as stale, on the price and on the market', async () => {
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    await publishPrice('XAU-USD', '2410.55', old);
    const result = await gql(
      '{ price(market: "XAU-USD") { price stale at } market(symbol: "XAU-USD") { stale lastPrice { price stale } } }',
    );
    expect(result.data.price).toEqual({ price: '2410.55', stale: true, at: old });
    expect(result.data.market).toEqual({ stale: true, lastPrice: { price: '2410.55', stale: true } });
    await publishPrice('XAU-USD', '2411.1');
    const fresh = await gql('{ market(symbol: "XAU-USD") { stale } }');
    expect(fresh.data.market.stale).toBe(false);
  });

  it('marks public market data cacheable for the gateway, and user data not', async () => {
    const response = await fetch(`${process.env.E2E_GATEWAY_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ prices(markets: ["ETH-USDT"]) { price market { symbol tickSize } } }' }),
    });
    expect(response.headers.get('cache-control')).toMatch(/max-age=1\b.*public|public.*max-age=1\b/);
    const catalog = await fetch(`${process.env.E2E_GATEWAY_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ assets { edges { node { symbol name } } } }' }),
    });
    expect(catalog.headers.get('cache-control')).toMatch(/max-age=60/);
    // The order book (matching) is public for a second too.
    const book = await fetch(`${process.env.E2E_GATEWAY_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ market(symbol: "BTC-USDT") { symbol orderBook { bids { price } } } }' }),
    });
    expect(book.headers.get('cache-control')).toMatch(/^max-age=1, public$/);
    // A user's own data carries no hint, so a query that includes it is not cacheable at all.
    const user = await signUp();
    const mine = await fetch(`${process.env.E2E_GATEWAY_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({
        query: '{ market(symbol: "BTC-USDT") { symbol orderBook { bids { price } } } me { id balances { asset } } }',
      }),
    });
    expect((await mine.json()).errors).toBeUndefined();
    expect(mine.headers.get('cache-control') ?? 'no-store').not.toMatch(/max-age=[1-9]/);
  });

  it('streams many markets on one subscription, coalesced, with the last value of each intact', async () => {
    const client = wsClient();
    const sub = collect(client, `subscription { priceUpdated(markets: ["BTC-USDT", "ETH-USDC"], initial: false) { market { symbol } price } }`);
    // Wait until the subscription is live: publish until the first update arrives.
    await eventually(async () => {
      await redis.publish(
        busChannel('markets.price.BTC-USDT'),
        JSON.stringify({ market: 'BTC-USDT', price: '60000', at: new Date().toISOString() }),
      );
      if (sub.results.length === 0) throw new Error('not subscribed yet');
    });
    const burst = 60;
    for (let i = 1; i <= burst; i++) {
      const at = new Date().toISOString();
      await redis.publish(busChannel('markets.price.BTC-USDT'), JSON.stringify({ market: 'BTC-USDT', price: `${60000 + i}`, at }));
      await redis.publish(busChannel('markets.price.ETH-USDC'), JSON.stringify({ market: 'ETH-USDC', price: `${3000 + i}`, at }));
    }
    const last = (symbol: string) =>
      sub.results
        .map((r) => r.data?.priceUpdated)
        .filter((q: any) => q?.market.symbol === symbol)
        .at(-1)?.price;
    await eventually(async () => {
      if (last('BTC-USDT') !== `${60000 + burst}` || last('ETH-USDC') !== `${3000 + burst}`)
        throw new Error('last values not yet delivered');
    }, 20_000);
    // 2 × 60 published (plus the warm-up); far fewer delivered.
    expect(sub.results.length).toBeLessThan(2 * burst);
    for (const r of sub.results) expect(r.errors).toBeUndefined();
    sub.unsubscribe();
    await client.dispose();
  });

  it("takes the last price from the exchange's fills for a market that trades, and the feed does not override it", async () => {
    const [maker, taker] = await Promise.all([signUp(), signUp()]);
    await credit(maker.token, 'SPX', '10');
    await credit(taker.token, 'USD', '100000');
    await placeOrder(maker.token, {
      market: 'SPX-USD',
      side: 'sell',
      type: 'limit',
      price: '5812.34',
      quantity: '1',
      clientOrderId: 'spx-ask',
    });
    await placeOrder(taker.token, {
      market: 'SPX-USD',
      side: 'buy',
      type: 'limit',
      price: '5812.34',
      quantity: '1',
      clientOrderId: 'spx-bid',
    });
    const traded = await eventually(async () => {
      const result = await gql('{ price(market: "SPX-USD") { price source stale } }');
      if (result.data?.price?.source !== 'trade') throw new Error(`not yet: ${JSON.stringify(result)}`);
      return result.data.price;
    });
    expect(traded).toEqual({ price: '5812.34', source: 'trade', stale: false });
    // A feed tick right after does not replace the exchange's own price.
    await redis.publish(
      busChannel('markets.price.SPX-USD'),
      JSON.stringify({ market: 'SPX-USD', price: '5700', at: new Date().toISOString() }),
    );
    await publishPrice('XAU-USD', '2412.2'); // a later price elsewhere: the SPX tick was handled by now
    expect((await gql('{ price(market: "SPX-USD") { price source } }')).data.price).toEqual({ price: '5812.34', source: 'trade' });
  });

  it('keeps the one-market form and refuses a subscription with no market', async () => {
    const client = wsClient();
    const none = collect(client, 'subscription { priceUpdated { price } }');
    await none.waitFor(1, 10_000);
    const errors = (none.error ?? none.results[0]?.errors) as { extensions?: { code?: string } }[];
    expect(errors[0].extensions?.code).toBe('BAD_USER_INPUT');
    await client.dispose();
  });
});
