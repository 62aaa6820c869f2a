import { randomUUID } from 'node:crypto';
import { credit, gql, rawClient, signUp, type TestUser } from '../harness/client';
import { INTERNAL_HEADERS, ownSystem, startOwnSystem } from '../harness/env';
import { leaksIn } from '../harness/hostile';

// The gateway's request rate limits (issue 18), on a system of this test's own with small limits:
// per address, per user, money-moving mutations, sign-ups, and the per-minute cost budget. Each
// refusal is RATE_LIMITED with HTTP 429, Retry-After, and the limit in extensions.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(6100, 'ratelimits');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;
const LIMITS = {
  RATE_LIMIT_REQUESTS_PER_MINUTE: '60',
  RATE_LIMIT_COST_PER_MINUTE: '3000',
  RATE_LIMIT_MONEY_PER_MINUTE: '5',
  RATE_LIMIT_SIGNUPS_PER_MINUTE: '4',
  // This system also shows introspection turned off (as by default in production).
  INTROSPECTION: 'off',
  WS_MAX_SOCKETS_PER_USER: '3',
};

async function post(body: unknown, token?: string, headers: Record<string, string> = {}) {
  const response = await fetch(GATEWAY, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get('retry-after'), text, json: JSON.parse(text) };
}

describe('gateway rate limits', () => {
  let system: any;
  const users: TestUser[] = [];

  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, { services: ['accounts', 'markets', 'matching'], env: LIMITS });
    // The sign-up bucket (4 per minute per address) holds the users this test needs.
    for (let i = 0; i < 3; i += 1) users.push(await signUp(GATEWAY));
  }, 120000);

  afterAll(async () => {
    await system?.stop();
  });

  it('refuses introspection and gives no field suggestions when INTROSPECTION=off, on every path', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Market") { fields { name } } }']) {
      const answer = await post({ query }, users[0].token);
      expect(answer.status).toBe(400);
      expect(answer.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(answer.json.data).toBeUndefined();
    }
    const typo = await post({ query: '{ markts { totalCount } }' }, users[0].token);
    expect(typo.json.errors[0].message).not.toMatch(/Did you mean/);
    const client = await rawClient(GATEWAY.replace(/^http/, 'ws'), users[0].token);
    try {
      client.send({ id: 'i', type: 'subscribe', payload: { query: '{ __schema { queryType { name } } }' } });
      client.send({ id: 't', type: 'subscribe', payload: { query: '{ markts { totalCount } }' } });
      const deadline = Date.now() + 10_000;
      while (client.frames.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(client.frames.find((f) => f.includes('"id":"i"'))).toContain('"type":"error"');
      const typoFrame = client.frames.find((f) => f.includes('"id":"t"'))!;
      expect(typoFrame).toContain('"type":"error"');
      expect(typoFrame).not.toMatch(/Did you mean/);
    } finally {
      client.socket.close();
    }
    // Nothing of the schema from a subgraph either (asked with the internal credential, as the gateway would).
    const direct = await fetch(`http://127.0.0.1:${PORT_BASE + 6}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...INTERNAL_HEADERS },
      body: JSON.stringify({ query: '{ __schema { types { name } } }' }),
    });
    expect((await direct.json()).errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('closes a user\'s socket beyond WS_MAX_SOCKETS_PER_USER with 4429, and takes one again once another closed', async () => {
    const ws = GATEWAY.replace(/^http/, 'ws');
    const open = [await rawClient(ws, users[0].token), await rawClient(ws, users[0].token), await rawClient(ws, users[0].token)];
    await expect(rawClient(ws, users[0].token)).rejects.toThrow(/4429/);
    // Another user is not held back.
    (await rawClient(ws, users[1].token)).socket.close();
    open[0].socket.close();
    let again;
    for (let i = 0; i < 50 && !again; i += 1) {
      again = await rawClient(ws, users[0].token).catch(() => undefined);
      if (!again) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(again).toBeDefined();
    for (const client of [...open.slice(1), again!]) client.socket.close();
  });

  it('refuses the fifth sign-up in a minute from one address', async () => {
    const fourth = await gql('mutation ($e: String!) { signUp(email: $e, password: "correct horse battery") { accessToken } }', { e: `${randomUUID()}@example.com` }, { url: GATEWAY });
    expect(fourth.errors).toBeUndefined();
    const fifth = await post({ query: 'mutation ($e: String!) { signUp(email: $e, password: "correct horse battery") { accessToken } }', variables: { e: `${randomUUID()}@example.com` } });
    expect(fifth.status).toBe(429);
    expect(Number(fifth.retryAfter)).toBeGreaterThan(0);
    expect(fifth.json.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'signUps', max: 4, retryAfterSeconds: expect.any(Number) });
    expect(fifth.json.data ?? null).toBeNull();
    expect(leaksIn(fifth.text)).toEqual([]);
  });

  it('refuses money-moving mutations beyond their limit, and they change nothing', async () => {
    const [trader] = users;
    await credit(trader.token, 'USDT', '1000', GATEWAY); // 1 of 5
    const place = (n: number) =>
      post(
        {
          query: 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
          variables: { input: { market: 'BTC-USDT', side: 'buy', type: 'limit', price: '100', quantity: '0.1', clientOrderId: `rl-${n}` } },
        },
        trader.token,
      );
    const answers = [];
    for (let n = 0; n < 6; n += 1) answers.push(await place(n));
    expect(answers.slice(0, 4).map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers[4].status).toBe(429);
    expect(answers[4].json.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'money', max: 5 });
    expect(answers[5].status).toBe(429);
    const orders = await gql('{ myOrders { edges { node { clientOrderId } } } }', {}, { token: trader.token, url: GATEWAY });
    expect(orders.data.myOrders.edges.map((e: any) => e.node.clientOrderId).sort()).toEqual(['rl-0', 'rl-1', 'rl-2', 'rl-3']);
    // Other mutations and other users are not held back by this user's money bucket.
    expect((await gql('mutation { cancelOrder(clientOrderId: "rl-0") { status } }', {}, { token: trader.token, url: GATEWAY })).data.cancelOrder.status).toBe('cancelled');
    const other = await gql('mutation ($k: String!) { creditDemoFunds(asset: "USDT", amount: "1", idempotencyKey: $k) { available } }', { k: randomUUID() }, { token: users[1].token, url: GATEWAY });
    expect(other.errors).toBeUndefined();
  });

  it('charges each operation its cost against a per-minute budget', async () => {
    const [, spender] = users;
    // 1 + 100 × (1 + 1 + 1 × (1 + 20 × 1)) per page: a few pages use up 3,000 points.
    const query = '{ markets(first: 100) { edges { node { symbol orderBook(depth: 20) { bids { price } } } } } }';
    let refused;
    for (let i = 0; i < 5 && !refused; i += 1) {
      const answer = await post({ query }, spender.token);
      if (answer.status === 429) refused = answer;
      else expect(answer.json.errors).toBeUndefined();
    }
    expect(refused).toBeDefined();
    expect(refused!.json.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'cost', max: 3000, cost: expect.any(Number) });
    expect(refused!.json.errors[0].extensions.cost).toBeGreaterThan(100);
    // A cheap query of another user still runs.
    expect((await gql('{ me { id } }', {}, { token: users[2].token, url: GATEWAY })).data.me.id).toBe(users[2].id);
  });

  it('counts requests per user and per address, on every path (HTTP fast path, GET, WebSocket)', async () => {
    const [, , reader] = users;
    const statuses: number[] = [];
    // Public, cacheable answers: the fast path serves these from its cache, and still counts them.
    for (let i = 0; i < 70; i += 1) statuses.push((await post({ query: '{ orderBook(market: "BTC-USDT", depth: 1) { sequence } }' }, reader.token)).status);
    expect(statuses.slice(0, 10).every((status) => status === 200)).toBe(true);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
    // The address's bucket is spent too: an anonymous GET from it is refused...
    const get = await fetch(`${GATEWAY}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(429);
    expect((await get.json()).errors[0].extensions.code).toBe('RATE_LIMITED');
    // ...and so is a subscription over WebSocket.
    const client = await rawClient(GATEWAY.replace(/^http/, 'ws'), reader.token);
    try {
      client.send({ id: '1', type: 'subscribe', payload: { query: 'subscription { orderBookUpdated(market: "BTC-USDT") { sequence } }' } });
      const deadline = Date.now() + 10_000;
      while (!client.frames.some((f) => f.includes('"id":"1"')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const frame = client.frames.find((f) => f.includes('"id":"1"'))!;
      expect(frame).toContain('"type":"error"');
      expect(frame).toContain('RATE_LIMITED');
    } finally {
      client.socket.close();
    }
  });
});
