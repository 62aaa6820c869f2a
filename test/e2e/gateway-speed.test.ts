import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Redis from 'ioredis';
import { GATEWAY_URL, REDIS_URL, busChannel, ownSystem, startOwnSystem } from '../harness/env';
import { collect, eventually, metric, publishUntil, rawClient, signUp, wsClient } from '../harness/client';

// Counting upstream subscriptions needs a system no other test file subscribes on meanwhile.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(1300, 'speed');

// What the gateway does to go faster must not change what anyone receives: a public feed is
// shared between callers, user feeds are not, and compressed assets decompress to the same bytes.
let redis: Redis;
let system: { stop(): Promise<void> };
beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  system = await startOwnSystem(PORT_BASE, DATABASE, { services: ['accounts', 'markets'] });
}, 90000);
afterAll(async () => {
  await redis.quit();
  await system?.stop();
});

describe('gateway speed-ups keep results the same', () => {
  it('serves a public feed to different users from one upstream subscription', async () => {
    const gateway = `http://127.0.0.1:${PORT_BASE}/graphql`;
    const ws = gateway.replace(/^http/, 'ws');
    const alice = await signUp(gateway);
    const bob = await signUp(gateway);
    const markets = `http://127.0.0.1:${PORT_BASE + 2}`;
    const field = 'field="priceUpdated"';
    const before = await metric(markets, 'subgraph_active_subscriptions', field);
    const clientA = wsClient(alice.token, ws);
    const clientB = wsClient(bob.token, ws);
    const anonymous = wsClient(undefined, ws);
    const query = 'subscription ($m: String!) { priceUpdated(market: $m, initial: false) { price at market { symbol } } }';
    const a = collect(clientA, query, { m: 'SOL-USDT' });
    const b = collect(clientB, query, { m: 'SOL-USDT' });
    const c = collect(anonymous, query, { m: 'SOL-USDT' });
    const event = { market: 'SOL-USDT', price: '151.25', at: '2026-11-21T12:00:00.000Z' };
    await publishUntil(redis, busChannel('markets.price.SOL-USDT', DATABASE), event, () =>
      Math.min(a.results.length, b.results.length, c.results.length),
    );
    // Three callers with three different credentials (one none), one upstream subscription.
    expect(await metric(markets, 'subgraph_active_subscriptions', field)).toBe(before + 1);
    const expected = { data: { priceUpdated: { price: '151.25', at: '2026-11-21T12:00:00.000Z', market: { symbol: 'SOL-USDT' } } } };
    for (const results of [a.results, b.results, c.results]) expect(results[results.length - 1]).toEqual(expected);

    a.unsubscribe();
    b.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await metric(markets, 'subgraph_active_subscriptions', field)).toBe(before + 1); // the anonymous one still listens
    c.unsubscribe();
    await eventually(async () => expect(await metric(markets, 'subgraph_active_subscriptions', field)).toBe(before));
    await Promise.all([clientA.dispose(), clientB.dispose(), anonymous.dispose()]);
  });

  it('writes the same frames to clients of a shared feed as graphql-ws did, and lets each one leave on its own', async () => {
    const gateway = `http://127.0.0.1:${PORT_BASE}`;
    const ws = `ws://127.0.0.1:${PORT_BASE}/graphql`;
    const alice = await signUp(`${gateway}/graphql`);
    const bob = await signUp(`${gateway}/graphql`);
    const listeners = () => metric(gateway, 'gateway_subscription_listeners');
    const upstreams = () => metric(gateway, 'gateway_upstream_subscriptions');
    const [listenersBefore, upstreamsBefore] = [await listeners(), await upstreams()];
    const a = await rawClient(ws, alice.token);
    const b = await rawClient(ws, bob.token);
    const c = await rawClient(ws);
    const query = 'subscription P($m: String!) { priceUpdated(market: $m, initial: false) { market { symbol } price at } }';
    // Ids of different shapes: each client's frames must carry its own, escaped as JSON.
    const ids = { a: 'a1', b: 'b "7"', c: '3' };
    a.send({ id: ids.a, type: 'subscribe', payload: { query, operationName: 'P', variables: { m: 'ETH-USDC' } } });
    b.send({ id: ids.b, type: 'subscribe', payload: { query, operationName: 'P', variables: { m: 'ETH-USDC' } } });
    c.send({ id: ids.c, type: 'subscribe', payload: { query, operationName: 'P', variables: { m: 'ETH-USDC' } } });
    await eventually(async () => expect(await listeners()).toBe(listenersBefore + 3));
    expect(await upstreams()).toBe(upstreamsBefore + 1);

    const channel = busChannel('markets.price.ETH-USDC', DATABASE);
    const first = { market: 'ETH-USDC', price: '3012.25', at: '2026-11-21T12:00:01.000Z' };
    await publishUntil(redis, channel, first, () => Math.min(a.nexts(ids.a).length, b.nexts(ids.b).length, c.nexts(ids.c).length));
    const payload = { data: { priceUpdated: { market: { symbol: 'ETH-USDC' }, price: '3012.25', at: '2026-11-21T12:00:01.000Z' } } };
    for (const [client, id] of [
      [a, ids.a],
      [b, ids.b],
      [c, ids.c],
    ] as const) {
      // Exactly the text graphql-ws writes for this message: JSON.stringify of {id, type, payload}.
      expect(client.nexts(id).at(-1)).toBe(JSON.stringify({ id, type: 'next', payload }));
    }

    // One client completes its operation: the others keep receiving, it gets nothing more.
    b.send({ id: ids.b, type: 'complete' });
    await eventually(async () => expect(await listeners()).toBe(listenersBefore + 2));
    const bCount = b.nexts(ids.b).length;
    const second = { market: 'ETH-USDC', price: '3012.75', at: '2026-11-21T12:00:02.000Z' };
    await publishUntil(redis, channel, second, () =>
      Math.min(...[a.nexts(ids.a), c.nexts(ids.c)].map((frames) => frames.filter((f) => f.includes('3012.75')).length)),
    );
    expect(b.nexts(ids.b).length).toBe(bCount);
    expect(b.closed).toBe(false);

    // A client that goes away is cleaned up; the last one still receives.
    c.socket.terminate();
    await eventually(async () => expect(await listeners()).toBe(listenersBefore + 1));
    const third = { market: 'ETH-USDC', price: '3013.25', at: '2026-11-21T12:00:03.000Z' };
    await publishUntil(redis, channel, third, () => a.nexts(ids.a).filter((f) => f.includes('3013.25')).length);
    expect(await upstreams()).toBe(upstreamsBefore + 1);

    // The last one completing closes the shared upstream.
    a.send({ id: ids.a, type: 'complete' });
    await eventually(async () => expect(await upstreams()).toBe(upstreamsBefore));
    expect(await listeners()).toBe(listenersBefore);
    a.socket.close();
    b.socket.close();
  });

  it('still delivers errors of a shared feed as graphql-ws did, then complete', async () => {
    const ws = `ws://127.0.0.1:${PORT_BASE}/graphql`;
    const client = await rawClient(ws);
    client.send({ id: 'x', type: 'subscribe', payload: { query: 'subscription { priceUpdated(market: "NO-SUCH") { price } }' } });
    await eventually(async () => expect(client.frames).toContain('{"id":"x","type":"complete"}'));
    const answers = client.frames.filter((f) => f.startsWith('{"id":"x"'));
    // The subgraph refuses the unknown market: a `next` with the error and its code, then `complete`.
    expect(answers).toHaveLength(2);
    const error = JSON.parse(answers[0]);
    expect(error.type).toBe('next');
    expect(error.payload.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(answers[0]).toBe(JSON.stringify(error));
    client.socket.close();
  });

  it('still starts every order-book subscriber with its own snapshot', async () => {
    const alice = await signUp();
    const bob = await signUp();
    const clientA = wsClient(alice.token);
    const clientB = wsClient(bob.token);
    const query = 'subscription ($m: String!) { orderBookUpdated(market: $m, depth: 5) { sequence snapshot } }';
    const a = collect(clientA, query, { m: 'XAU-USD' });
    await a.waitFor(1);
    const b = collect(clientB, query, { m: 'XAU-USD' });
    await b.waitFor(1);
    expect(a.results[0].data.orderBookUpdated.snapshot).toBe(true);
    expect(b.results[0].data.orderBookUpdated.snapshot).toBe(true);
    a.unsubscribe();
    b.unsubscribe();
    await Promise.all([clientA.dispose(), clientB.dispose()]);
  });

  it('still refuses a bad token before sharing anything', async () => {
    const client = wsClient('not-a-token');
    const sub = collect(client, 'subscription { priceUpdated(market: "BTC-USDT") { price } }');
    await sub.waitFor(1);
    expect((sub.error as { code?: number }).code).toBe(4403);
    await client.dispose();
  });

  it('serves the playground bundle compressed when the browser accepts it, with the same bytes', async () => {
    const page = await (await fetch(`${GATEWAY_URL}/`)).text();
    const script = /src="(\/playground\/app\.js\?v=[0-9a-f]+)"/.exec(page)?.[1];
    expect(script).toBeDefined();
    const plain = await fetch(`${GATEWAY_URL}${script}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const raw = Buffer.from(await plain.arrayBuffer());
    // node's fetch would decompress on its own; ask with the raw http client instead.
    const http = await import('node:http');
    const get = (encoding: string) =>
      new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        http
          .get(`${GATEWAY_URL}${script}`, { headers: { 'accept-encoding': encoding } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          })
          .on('error', reject);
      });
    const br = await get('gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toContain('immutable');
    expect(br.body.length).toBeLessThan(raw.length / 3);
    expect(brotliDecompressSync(br.body).equals(raw)).toBe(true);
    const gzip = await get('gzip');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(raw)).toBe(true);
  });
});
