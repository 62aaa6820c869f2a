// Subscriptions over HTTP on /graphql, beside graphql-ws, through the same hub: graphql-sse (its own
// client, in both of its modes) and multipart HTTP (Apollo Client's HttpLink, which speaks Apollo
// Router's multipart subscription protocol), on priceUpdated (public, shared) and myOrderUpdates
// (the caller's own, with a field another subgraph resolves per event).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { createClient, type Client as SseClient } from 'graphql-sse';
import { ApolloClient, HttpLink, InMemoryCache, gql as apolloGql } from '@apollo/client';
import { REDIS_URL, busChannel as busChannelOf, ownSystem, startOwnSystem } from '../harness/env';
import { collect, eventually, gql as gqlAt, metric, publishUntil, signUp as signUpAt, wsClient as wsClientAt } from '../harness/client';

// A system of its own: the assertions count upstream subscriptions, which other test files'
// subscriptions would change meanwhile (and this file's would change theirs).
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(7500, 'httpsubs');
const GATEWAY_URL = `http://127.0.0.1:${PORT_BASE}`;
const GATEWAY_HTTP = `${GATEWAY_URL}/graphql`;
const GATEWAY_WS = `ws://127.0.0.1:${PORT_BASE}/graphql`;
const busChannel = (name: string) => busChannelOf(name, DATABASE);
const subgraphUrl = (name: 'matching' | 'markets') => `http://127.0.0.1:${PORT_BASE + (name === 'matching' ? 6 : 2)}`;
const gql = (query: string, variables: Record<string, unknown> = {}, options: { token?: string } = {}) => gqlAt(query, variables, { ...options, url: GATEWAY_HTTP });
const signUp = () => signUpAt(GATEWAY_HTTP);
const wsClient = (token?: string) => wsClientAt(token, GATEWAY_WS);
let system: { stop(): Promise<void> };
beforeAll(async () => {
  system = await startOwnSystem(PORT_BASE, DATABASE);
}, 120000);
afterAll(() => system?.stop());

let redis: Redis;
beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await redis.quit();
});

const ORDER_UPDATES = `subscription { myOrderUpdates { id status filledQuantity market { symbol baseAsset { name } } } }`;
/** ORDER_UPDATES as Apollo Client sends it (its cache adds __typename to every selection): the same results shape, so the same upstream. */
const ORDER_UPDATES_TYPED = `subscription { myOrderUpdates { id status filledQuantity market { symbol baseAsset { name __typename } __typename } __typename } }`;
const PRICES = `subscription ($m: String!) { priceUpdated(market: $m) { price market { symbol } } }`;
const activeOrderSubscriptions = () => metric(subgraphUrl('matching'), 'subgraph_active_subscriptions', 'field="myOrderUpdates"');

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

/** How many of a price subscription's results carry `price`. */
const withPrice = (collected: { results: any[] }, price: string) =>
  collected.results.filter((result) => result.data?.priceUpdated?.price === price).length;

/** A subscription's results as one of the HTTP clients delivers them. */
interface Collected {
  results: any[];
  error: unknown;
  completed: boolean;
  stop(): void;
}

/** graphql-sse's client, with the token in the Authorization header as every HTTP request carries it. */
function sseClient(token: string | undefined, singleConnection: boolean): SseClient {
  return createClient({
    url: GATEWAY_HTTP,
    singleConnection,
    retryAttempts: 0,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

function collectSse(client: SseClient, query: string, variables: Record<string, unknown> = {}): Collected {
  const collected: Collected = { results: [], error: undefined, completed: false, stop: () => undefined };
  collected.stop = client.subscribe(
    { query, variables },
    {
      next: (value) => void collected.results.push(value),
      error: (error) => void (collected.error = error),
      complete: () => void (collected.completed = true),
    },
  );
  return collected;
}

/** Apollo Client over HttpLink: subscriptions go as multipart HTTP (no WebSocket link at all). */
function apolloClient(token?: string) {
  return new ApolloClient({
    link: new HttpLink({ uri: GATEWAY_HTTP, headers: token ? { authorization: `Bearer ${token}` } : {} }),
    cache: new InMemoryCache(),
  });
}

function collectApollo(client: ReturnType<typeof apolloClient>, query: string, variables: Record<string, unknown> = {}): Collected {
  const collected: Collected = { results: [], error: undefined, completed: false, stop: () => undefined };
  const subscription = client.subscribe({ query: apolloGql(query), variables, fetchPolicy: 'no-cache' }).subscribe({
    next: (value) => void collected.results.push(value),
    error: (error) => void (collected.error = error),
    complete: () => void (collected.completed = true),
  });
  collected.stop = () => subscription.unsubscribe();
  return collected;
}

/** A multipart subscription read as raw bytes, to check the wire format itself. */
function rawMultipart(body: object, headers: Record<string, string> = {}) {
  const url = new URL(GATEWAY_HTTP);
  const state = { status: 0, headers: {} as http.IncomingHttpHeaders, text: '', ended: false, request: null as http.ClientRequest | null };
  const payload = JSON.stringify(body);
  state.request = http.request(
    {
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/json',
        accept: 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0", application/json',
        'content-length': String(Buffer.byteLength(payload)),
        ...headers,
      },
    },
    (response) => {
      state.status = response.statusCode ?? 0;
      state.headers = response.headers;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (state.text += chunk));
      response.on('end', () => (state.ended = true));
    },
  );
  state.request.on('error', () => undefined);
  state.request.end(payload);
  return state;
}

describe('graphql-sse', () => {
  it.each([
    ['distinct connections', false],
    ['a single connection', true],
  ])('delivers myOrderUpdates with fields another subgraph resolves, over %s', async (_mode, single) => {
    const user = await signUp();
    const client = sseClient(user.token, single);
    const sub = collectSse(client, ORDER_UPDATES);
    const event = orderEvent(user.id);
    await publishUntil(redis, busChannel(`matching.order.${user.id}`), event, () => sub.results.length);
    expect(sub.error).toBeUndefined();
    expect(sub.results[0]).toEqual({
      data: {
        myOrderUpdates: {
          id: event.id,
          status: 'partially_filled',
          filledQuantity: '0.5',
          market: { symbol: 'ETH-USDT', baseAsset: { name: 'Ether' } },
        },
      },
    });
    sub.stop();
    client.dispose();
  });

  it('carries several operations on one stream in single-connection mode, queries included, and stops one alone', async () => {
    const user = await signUp();
    const client = sseClient(user.token, true);
    const orders = collectSse(client, ORDER_UPDATES);
    const prices = collectSse(client, PRICES, { m: 'EUR-USD' });
    await publishUntil(redis, busChannel(`matching.order.${user.id}`), orderEvent(user.id), () => orders.results.length);
    await publishUntil(
      redis,
      busChannel('markets.price.EUR-USD'),
      { market: 'EUR-USD', price: '1.0512', at: new Date().toISOString() },
      () => withPrice(prices, '1.0512'),
    );
    // (Other test files may publish prices of this market meanwhile.)
    expect(prices.results).toContainEqual({ data: { priceUpdated: { price: '1.0512', market: { symbol: 'EUR-USD' } } } });
    // A query over the same stream.
    const me = await new Promise<any>((resolve, reject) => {
      const results: any[] = [];
      client.subscribe(
        { query: '{ me { id } }' },
        { next: (value) => void results.push(value), error: reject, complete: () => resolve(results[0]) },
      );
    });
    expect(me).toEqual({ data: { me: { id: user.id } } });

    const before = await activeOrderSubscriptions();
    orders.stop();
    await eventually(async () => expect(await activeOrderSubscriptions()).toBe(before - 1));
    // The price feed on the same stream goes on.
    await publishUntil(
      redis,
      busChannel('markets.price.EUR-USD'),
      { market: 'EUR-USD', price: '1.0513', at: new Date().toISOString() },
      () => withPrice(prices, '1.0513'),
    );
    prices.stop();
    client.dispose();
  });

  it('refuses a bad token with 401 UNAUTHENTICATED and an invalid operation with its validation error', async () => {
    const badToken = await fetch(GATEWAY_HTTP, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: 'Bearer not-a-token' },
      body: JSON.stringify({ query: ORDER_UPDATES }),
    });
    expect(badToken.status).toBe(401);
    expect(((await badToken.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const invalid = await fetch(GATEWAY_HTTP, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'subscription { noSuchField }' }),
    });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as any).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses an event stream a foreign page could open without a preflight (CSRF), with BAD_REQUEST', async () => {
    const get = await fetch(`${GATEWAY_HTTP}?query=${encodeURIComponent(PRICES)}&variables=${encodeURIComponent('{"m":"BTC-USDT"}')}`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(get.status).toBe(400);
    expect(((await get.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});

describe('multipart HTTP (Apollo Client)', () => {
  it('delivers priceUpdated and myOrderUpdates to Apollo Client over HttpLink', async () => {
    const user = await signUp();
    const client = apolloClient(user.token);
    const prices = collectApollo(client, PRICES, { m: 'XAU-USD' });
    const orders = collectApollo(client, ORDER_UPDATES);
    await publishUntil(
      redis,
      busChannel('markets.price.XAU-USD'),
      { market: 'XAU-USD', price: '2650.25', at: new Date().toISOString() },
      () => withPrice(prices, '2650.25'),
    );
    expect(prices.error).toBeUndefined();
    expect(prices.results.map((result) => result.data)).toContainEqual({
      priceUpdated: { __typename: 'PriceQuote', price: '2650.25', market: { __typename: 'Market', symbol: 'XAU-USD' } },
    });
    const event = orderEvent(user.id, { status: 'filled', filledQuantity: '2' });
    await publishUntil(redis, busChannel(`matching.order.${user.id}`), event, () => orders.results.length);
    expect(orders.results[0].data.myOrderUpdates).toMatchObject({
      id: event.id,
      status: 'filled',
      market: { symbol: 'ETH-USDT', baseAsset: { name: 'Ether' } },
    });
    prices.stop();
    orders.stop();
    client.stop();
  });

  it('speaks the protocol: multipart/mixed with subscriptionSpec, {} heartbeats, payload parts, the final boundary', async () => {
    const stream = rawMultipart({ query: 'subscription { priceUpdated(market: "NOPE-USDT") { price } }' });
    await eventually(async () => expect(stream.ended).toBe(true));
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('multipart/mixed;boundary="graphql";subscriptionSpec="1.0"');
    expect(stream.headers['content-encoding']).toBeUndefined();
    const parts = stream.text.split('\r\n--graphql');
    // Nothing before the first boundary, the final one closes the body.
    expect(parts[0]).toBe('');
    expect(parts.at(-1)).toBe('--\r\n');
    const bodies = parts.slice(1, -1).map((part) => {
      const [head, body] = part.split('\r\n\r\n');
      expect(head).toBe('\r\ncontent-type: application/json');
      return JSON.parse(body);
    });
    expect(bodies[0]).toEqual({});
    // The owning subgraph's refusal (an unknown market) arrives as the payload's errors.
    expect(bodies.at(-1).payload.errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('refuses a bad token before streaming, and ends a stream whose session ends with UNAUTHENTICATED', async () => {
    const refused = rawMultipart({ query: ORDER_UPDATES }, { authorization: 'Bearer not-a-token' });
    await eventually(async () => expect(stream(refused)).toBe(true));
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');

    const user = await signUp();
    const open = rawMultipart({ query: ORDER_UPDATES }, { authorization: `Bearer ${user.token}` });
    await publishUntil(
      redis,
      busChannel(`matching.order.${user.id}`),
      orderEvent(user.id),
      () => (open.text.match(/"payload":\{/g) ?? []).length,
    );
    expect((await gql('mutation { logout }', {}, { token: user.token })).data?.logout).toBe(true);
    await eventually(async () => expect(open.ended).toBe(true), 15000);
    const last = open.text.split('\r\n--graphql').at(-2) as string;
    const body = JSON.parse(last.split('\r\n\r\n')[1]);
    expect(body.payload).toBeNull();
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

/** Whether a raw stream's response has ended. */
const stream = (state: { ended: boolean }) => state.ended;

describe('one hub, three transports', () => {
  it('shares one upstream subscription between a graphql-ws, a graphql-sse and a multipart client of one user', async () => {
    const user = await signUp();
    const before = await activeOrderSubscriptions();
    const ws = wsClient(user.token);
    const overWs = collect(ws, ORDER_UPDATES_TYPED);
    const sse = sseClient(user.token, false);
    const overSse = collectSse(sse, ORDER_UPDATES_TYPED);
    const apollo = apolloClient(user.token);
    const overMultipart = collectApollo(apollo, ORDER_UPDATES);
    await publishUntil(redis, busChannel(`matching.order.${user.id}`), orderEvent(user.id), () =>
      Math.min(overWs.results.length, overSse.results.length, overMultipart.results.length),
    );
    expect(await activeOrderSubscriptions()).toBe(before + 1);
    const stats = await (await fetch(`${GATEWAY_URL}/metrics`)).text();
    expect(stats).toMatch(/gateway_subscription_listeners\{[^}]*\} [1-9]/);

    overWs.unsubscribe();
    overSse.stop();
    overMultipart.stop();
    await eventually(async () => expect(await activeOrderSubscriptions()).toBe(before));
    await ws.dispose();
    sse.dispose();
    apollo.stop();
  });
});

// Last in this file: it leaves this address's reservations used up until they expire (30 s).
describe('graphql-sse reservations', () => {
  it("answers the protocol's own refusals with a code, and caps reserved streams not opened per address", async () => {
    const noStream = await fetch(`${GATEWAY_HTTP}?operationId=1`, { method: 'DELETE', headers: { 'x-graphql-event-stream-token': 'no-such-stream' } });
    expect(noStream.status).toBe(404);
    expect(((await noStream.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');

    const statuses: number[] = [];
    for (let i = 0; i < 20; i += 1) statuses.push((await fetch(GATEWAY_HTTP, { method: 'PUT' })).status);
    expect(statuses).toEqual(Array(20).fill(201));
    const refused = await fetch(GATEWAY_HTTP, { method: 'PUT' });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as any).errors[0].extensions.code).toBe('RATE_LIMITED');
  });
});
