import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { SignJWT } from 'jose';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { GATEWAY_URL, GATEWAY_WS, REDIS_URL, busChannel, subgraphUrl } from '../harness/env';
import { collect, eventually, gql, metric, publishUntil, signUp, wsClient } from '../harness/client';

// Events are published by this test process straight into Redis, as any other process of the
// system would: the subgraph that owns the subscription picks them up and the gateway resolves
// the fields other subgraphs own.
let redis: Redis;
beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await redis.quit();
});

function orderEvent(userId: string, overrides: Record<string, unknown> = {}) {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    userId,
    market: 'ETH-USDT',
    side: 'buy',
    type: 'limit',
    price: '3150.5',
    quantity: '2',
    filledQuantity: '0.5',
    status: 'partially_filled',
    clientOrderId: `c-${randomUUID()}`,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

const ORDER_UPDATES = `subscription { myOrderUpdates { id status filledQuantity market { symbol baseAsset { name } } } }`;
/** Upstream `myOrderUpdates` subscriptions the matching subgraph serves: one per subscription the gateway opened. */
const activeOrderSubscriptions = () => metric(subgraphUrl('matching'), 'subgraph_active_subscriptions', 'field="myOrderUpdates"');

describe('federated subscriptions through the gateway', () => {
  it('delivers an event published through Redis with fields resolved by another subgraph', async () => {
    const user = await signUp();
    const client = wsClient(user.token);
    const sub = collect(client, ORDER_UPDATES);
    const event = orderEvent(user.id);
    await publishUntil(redis, busChannel(`matching.order.${user.id}`), event, () => sub.results.length);
    const first = sub.results[0];
    expect(first.errors).toBeUndefined();
    expect(first.data.myOrderUpdates).toEqual({
      id: event.id,
      status: 'partially_filled',
      filledQuantity: '0.5',
      // matching owns the order; markets resolved `baseAsset` for this event.
      market: { symbol: 'ETH-USDT', baseAsset: { name: 'Ether' } },
    });
    sub.unsubscribe();
    await client.dispose();
  });

  it('keeps a burst of events in order, each with its fields from another subgraph', async () => {
    const user = await signUp();
    const client = wsClient(user.token);
    // `user { email }` comes from accounts for each event (the caller's own data: never a shared answer).
    const sub = collect(client, 'subscription { myOrderUpdates { id user { email } } }');
    await publishUntil(redis, busChannel(`matching.order.${user.id}`), orderEvent(user.id), () => sub.results.length);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const received = sub.results.length;
    // 60 events published back to back, each with a fetch from accounts.
    const burst = Array.from({ length: 60 }, (_, i) => orderEvent(user.id, { filledQuantity: String(i + 1) }));
    const pipeline = redis.pipeline();
    for (const event of burst) pipeline.publish(busChannel(`matching.order.${user.id}`), JSON.stringify(event));
    await pipeline.exec();
    await sub.waitFor(received + burst.length);
    const ids = sub.results.slice(received).map((r) => r.data.myOrderUpdates.id);
    expect(ids).toEqual(burst.map((event) => event.id));
    expect(sub.results.slice(received).every((r) => r.data.myOrderUpdates.user.email === user.email)).toBe(true);
    sub.unsubscribe();
    await client.dispose();
  });

  it('shares one upstream subscription between clients and closes it when both leave', async () => {
    const user = await signUp();
    const before = await activeOrderSubscriptions();

    const clientA = wsClient(user.token);
    const clientB = wsClient(user.token);
    const a = collect(clientA, ORDER_UPDATES);
    const b = collect(clientB, ORDER_UPDATES);
    await publishUntil(redis, busChannel(`matching.order.${user.id}`), orderEvent(user.id), () =>
      Math.min(a.results.length, b.results.length),
    );
    // Two clients on two sockets, one upstream subscription on the matching subgraph.
    expect(await activeOrderSubscriptions()).toBe(before + 1);

    const event = orderEvent(user.id, { status: 'filled', filledQuantity: '2' });
    const seenA = a.results.length;
    const seenB = b.results.length;
    await redis.publish(busChannel(`matching.order.${user.id}`), JSON.stringify(event));
    await a.waitFor(seenA + 1);
    await b.waitFor(seenB + 1);
    expect(a.results[seenA].data.myOrderUpdates.id).toBe(event.id);
    expect(b.results[seenB].data.myOrderUpdates.id).toBe(event.id);

    a.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await activeOrderSubscriptions()).toBe(before + 1); // B still listens
    b.unsubscribe();
    await eventually(async () => expect(await activeOrderSubscriptions()).toBe(before));
    await clientA.dispose();
    await clientB.dispose();
  });

  it('shares it between operations that differ only in name and spacing, never with another selection', async () => {
    const user = await signUp();
    const before = await activeOrderSubscriptions();

    // A web app's operation, a mobile app's named and spaced differently, and a leaner selection.
    const clientA = wsClient(user.token);
    const clientB = wsClient(user.token);
    const a = collect(clientA, ORDER_UPDATES);
    const b = collect(clientB, 'subscription MobileOrders {\n  myOrderUpdates {\n    id status filledQuantity\n    market { symbol baseAsset { name } }\n  }\n}');
    const c = collect(clientB, 'subscription { myOrderUpdates { id } }');
    await publishUntil(redis, busChannel(`matching.order.${user.id}`), orderEvent(user.id), () =>
      Math.min(a.results.length, b.results.length, c.results.length),
    );
    // Two shapes of result, two upstream subscriptions: A and B share one.
    expect(await activeOrderSubscriptions()).toBe(before + 2);

    const event = orderEvent(user.id, { status: 'filled', filledQuantity: '2' });
    const seen = [a, b, c].map((sub) => sub.results.length);
    await redis.publish(busChannel(`matching.order.${user.id}`), JSON.stringify(event));
    await Promise.all([a, b, c].map((sub, i) => sub.waitFor(seen[i] + 1)));
    const full = { id: event.id, status: 'filled', filledQuantity: '2', market: { symbol: 'ETH-USDT', baseAsset: { name: 'Ether' } } };
    expect(a.results[seen[0]]).toEqual({ data: { myOrderUpdates: full } });
    expect(b.results[seen[1]]).toEqual({ data: { myOrderUpdates: full } });
    expect(c.results[seen[2]]).toEqual({ data: { myOrderUpdates: { id: event.id } } });

    for (const sub of [a, b, c]) sub.unsubscribe();
    await eventually(async () => expect(await activeOrderSubscriptions()).toBe(before));
    await clientA.dispose();
    await clientB.dispose();
  });

  it('keeps different users on different upstream subscriptions', async () => {
    const alice = await signUp();
    const bob = await signUp();
    const clientA = wsClient(alice.token);
    const clientB = wsClient(bob.token);
    const a = collect(clientA, ORDER_UPDATES);
    const b = collect(clientB, ORDER_UPDATES);
    await publishUntil(redis, busChannel(`matching.order.${alice.id}`), orderEvent(alice.id), () => a.results.length);
    await publishUntil(redis, busChannel(`matching.order.${bob.id}`), orderEvent(bob.id), () => b.results.length);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Neither saw the other's orders.
    expect(a.results.every((r) => r.data.myOrderUpdates.market.symbol === 'ETH-USDT')).toBe(true);
    const alicesIds = new Set(a.results.map((r) => r.data.myOrderUpdates.id));
    expect(b.results.some((r) => alicesIds.has(r.data.myOrderUpdates.id))).toBe(false);
    a.unsubscribe();
    b.unsubscribe();
    await clientA.dispose();
    await clientB.dispose();
  });

  it.each([
    ['garbage', 'Bearer not-a-token'],
    [
      'alg none',
      `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', iss: 'tradegraph-accounts', aud: 'tradegraph', exp: 9999999999 })).toString('base64url')}.`,
    ],
  ])('refuses a bad token in connection_init (%s)', async (_kind, authorization) => {
    const client = createClient({
      url: GATEWAY_WS,
      webSocketImpl: WebSocket,
      connectionParams: { authorization },
      retryAttempts: 0,
      lazy: true,
    });
    const sub = collect(client, `subscription { priceUpdated(market: "BTC-USDT") { price } }`);
    await sub.waitFor(1);
    expect((sub.error as { code?: number }).code).toBe(4403);
    expect(sub.results).toHaveLength(0);
    await client.dispose();
  });

  it('refuses a token signed by a key that is not ours', async () => {
    const { generateKeyPair } = await import('jose');
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'forged' })
      .setSubject(randomUUID())
      .setIssuer('tradegraph-accounts')
      .setAudience('tradegraph')
      .setExpirationTime('5m')
      .sign(privateKey);
    const client = wsClient(forged);
    const sub = collect(client, ORDER_UPDATES);
    await sub.waitFor(1);
    expect((sub.error as { code?: number }).code).toBe(4403);
    await client.dispose();
  });

  it('answers an invalid subscription with a GraphQL error and keeps the socket usable', async () => {
    let connections = 0;
    const client = wsClient(undefined, GATEWAY_WS, { lazy: false, on: { connected: () => (connections += 1) } });
    const invalid = collect(client, `subscription { noSuchField }`);
    await invalid.waitFor(1);
    const errors = invalid.error as { message: string; extensions?: { code?: string } }[];
    expect(Array.isArray(errors)).toBe(true);
    expect(errors[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    // An error from the owning subgraph (unknown market) arrives as a GraphQL error too.
    const unknown = collect(client, `subscription { priceUpdated(market: "NOPE-USDT") { price } }`);
    await unknown.waitFor(1);
    const upstreamErrors = (unknown.error ?? unknown.results[0]?.errors) as { extensions?: { code?: string } }[];
    expect(upstreamErrors[0].extensions?.code).toBe('NOT_FOUND');

    // Same socket, a valid subscription still works, with a field from another subgraph.
    const market = 'SOL-USDT';
    const prices = collect(
      client,
      `subscription ($m: String!) { priceUpdated(market: $m, initial: false) { price market { symbol orderBook { bids { price } } } } }`,
      { m: market },
    );
    await publishUntil(
      redis,
      busChannel(`markets.price.${market}`),
      { market, price: '151.25', at: new Date().toISOString() },
      () => prices.results.length,
    );
    expect(prices.results[0].data.priceUpdated).toEqual({
      price: '151.25',
      market: { symbol: market, orderBook: { bids: expect.any(Array) } },
    });
    expect(connections).toBe(1);
    prices.unsubscribe();
    await client.dispose();
  });

  it('serves queries over the same WebSocket too', async () => {
    const client = wsClient();
    const result = await new Promise<any>((resolve, reject) => {
      client.subscribe(
        { query: '{ market(symbol: "BTC-USDT") { symbol baseAsset { name } } }' },
        { next: resolve, error: reject, complete: () => {} },
      );
    });
    expect(result.data.market).toEqual({ symbol: 'BTC-USDT', baseAsset: { name: 'Bitcoin' } });
    await client.dispose();
  });

  it('exposes its subscription counts on /metrics', async () => {
    const text = await (await fetch(`${GATEWAY_URL}/metrics`)).text();
    expect(text).toContain('gateway_upstream_subscriptions');
  });
});

describe('priceUpdated starts with the current price', () => {
  const activePriceSubscriptions = () => metric(subgraphUrl('markets'), 'subgraph_active_subscriptions', 'field="priceUpdated"');
  /** The market's current price, as the `price` query reports it; one is published first if it has none. */
  async function currentPrice(market: string): Promise<string> {
    return eventually(async () => {
      const current = await gql('query ($m: String!) { price(market: $m) { price } }', { m: market });
      if (current.data.price) return current.data.price.price as string;
      await redis.publish(busChannel(`markets.price.${market}`), JSON.stringify({ market, price: '5870', at: new Date().toISOString() }));
      throw new Error(`${market} has no price yet`);
    });
  }
  const SPX = 'subscription ($initial: Boolean) { priceUpdated(market: "SPX-USD", initial: $initial) { price market { symbol } } }';
  const priceOf = (result: any) => result.data.priceUpdated.price as string;

  it('sends the current price first, to the first client and to one joining the shared upstream later', async () => {
    // (Other test files may publish SPX-USD prices meanwhile: the first result is compared with
    // the price read just before, and may be a newer one only if one was published in between.)
    const current = await currentPrice('SPX-USD');
    const first = wsClient();
    const a = collect(first, SPX);
    await a.waitFor(1);
    expect(a.results[0].data.priceUpdated.market).toEqual({ symbol: 'SPX-USD' });
    expect([current, await currentPrice('SPX-USD')]).toContain(priceOf(a.results[0]));

    // The upstream is running: the subgraph sends nothing new for a second client; the gateway
    // sends it the latest event at once, and the upstream stays one. (Sampled just before and
    // after: other test files open price subscriptions of their own.)
    const upstreams = await activePriceSubscriptions();
    const latest = priceOf(a.results[a.results.length - 1]);
    const second = wsClient(undefined, GATEWAY_WS);
    const b = collect(second, SPX);
    await b.waitFor(1);
    expect([latest, priceOf(a.results[a.results.length - 1])]).toContain(priceOf(b.results[0]));
    expect(await activePriceSubscriptions()).toBe(upstreams);

    // initial: false — changes only: nothing until a price is published, then that price.
    const third = wsClient();
    const c = collect(third, SPX, { initial: false });
    const next = '5872.5';
    await publishUntil(redis, busChannel('markets.price.SPX-USD'), { market: 'SPX-USD', price: next, at: new Date().toISOString() }, () =>
      c.results.filter((result) => priceOf(result) === next).length,
    );
    expect(c.results.map(priceOf)).not.toContain(latest === next ? 'none' : latest);
    for (const client of [first, second, third]) await client.dispose();
  });

  it('sends every market’s current price first on a subscription of several markets', async () => {
    await currentPrice('SPX-USD');
    await currentPrice('BTC-USDT');
    const client = wsClient();
    const sub = collect(client, 'subscription { priceUpdated(markets: ["SPX-USD", "BTC-USDT"]) { price market { symbol } } }');
    await sub.waitFor(2);
    const symbols = sub.results.slice(0, 2).map((result) => result.data.priceUpdated.market.symbol);
    expect(symbols.sort()).toEqual(['BTC-USDT', 'SPX-USD']);
    await client.dispose();
  });
});
