import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { credit as creditAt, gql as gqlAt, metric, signUp as signUpAt, type TestUser } from '../harness/client';
import { INTERNAL_HEADERS, ownSystem, startOwnSystem, SUBGRAPH_PORT_OFFSET } from '../harness/env';

// Gateway → subgraph batching (gateway/src/execution/subgraph-batch.ts, shared/src/graphql-http.ts): fetches
// for one subgraph made at the same moment go as one POST to /graphql/batch, each request with its
// own headers, and each gets back what it would have got alone. A system of its own, so the
// gateway's counters move only with this file's requests.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(5500, 'batch');
const GATEWAY_URL = `http://127.0.0.1:${PORT_BASE}`;
const GATEWAY_HTTP = `${GATEWAY_URL}/graphql`;
let system: { stop(): Promise<void>; databaseUrl: string };
beforeAll(async () => {
  system = await startOwnSystem(PORT_BASE, DATABASE, { services: ['accounts', 'markets', 'matching'] });
}, 120000);
afterAll(() => system?.stop());

type Subgraph = keyof typeof SUBGRAPH_PORT_OFFSET;
const subgraphUrl = (name: Subgraph) => `http://127.0.0.1:${PORT_BASE + SUBGRAPH_PORT_OFFSET[name]}`;
const gql = (query: string, variables: Record<string, unknown> = {}, options: { token?: string } = {}) =>
  gqlAt(query, variables, { ...options, url: GATEWAY_HTTP });
const signUp = () => signUpAt(GATEWAY_HTTP);
const credit = (token: string, asset: string, amount: string) => creditAt(token, asset, amount, GATEWAY_HTTP);
async function sql<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new PgClient({ connectionString: system.databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a subgraph answers to one request sent alone, in the batch answer's shape. */
async function alone(subgraph: Subgraph, headers: Record<string, string>, body: object): Promise<Answer> {
  const response = await fetch(`${subgraphUrl(subgraph)}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...INTERNAL_HEADERS, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

/**
 * A batch sent straight to a subgraph: its status, its answers in the order they arrived (one
 * JSON line each), and by request (`responses[i]` answers request i); or, refused, the error body.
 */
async function batch(subgraph: Subgraph, body: string): Promise<{ status: number; arrived: any[]; responses: Answer[]; json?: any }> {
  const response = await fetch(`${subgraphUrl(subgraph)}/graphql/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...INTERNAL_HEADERS },
    body,
  });
  const text = await response.text();
  if (response.status !== 200) return { status: response.status, arrived: [], responses: [], json: JSON.parse(text) };
  expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
  const arrived = text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const responses: Answer[] = [];
  for (const { index, ...answer } of arrived) responses[index] = answer;
  return { status: response.status, arrived, responses };
}

const bearer = (user: TestUser) => ({ authorization: `Bearer ${user.token}` });
const PLACE = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status clientOrderId } }';
const order = (clientOrderId: string, market = 'BTC-USDT') => ({
  input: { market, side: 'buy', type: 'limit', price: '100', quantity: '0.1', clientOrderId },
});
const ownerOf = async (clientOrderId: string) =>
  (await sql<{ user_id: string }>('select user_id from matching.orders where client_order_id = $1', [clientOrderId])).map((r) => r.user_id);

describe('subgraph batches', () => {
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([signUp(), signUp()]);
    await Promise.all([credit(alice.token, 'USDT', '1000'), credit(bob.token, 'USDT', '1000')]);
  });

  it('answers each request of a batch as it would have been answered alone, with its own credentials', async () => {
    const ME = { query: '{ me { id email } }' };
    const requests = [
      { headers: bearer(alice), body: ME },
      { headers: bearer(bob), body: ME },
      { headers: { authorization: 'Bearer not-a-token' }, body: ME },
      { headers: {}, body: ME },
      { headers: bearer(alice), body: { query: '{ me { nope } }' } },
    ];
    const answer = await batch('accounts', JSON.stringify({ requests }));
    expect(answer.status).toBe(200);
    expect(answer.arrived).toHaveLength(requests.length);
    expect(answer.responses).toHaveLength(requests.length);
    const one = await Promise.all(requests.map((r) => alone('accounts', r.headers, r.body)));
    answer.responses.forEach((batched: Answer, i: number) => {
      expect(batched.status).toBe(one[i].status);
      expect(batched.body).toBe(one[i].body);
      expect(batched.headers['content-type']).toBe(one[i].headers['content-type']);
      expect(batched.headers['cache-control']).toBe(one[i].headers['cache-control']);
    });
    const bodies = answer.responses.map((r: Answer) => JSON.parse(r.body));
    expect(bodies[0].data.me).toEqual({ id: alice.id, email: alice.email });
    expect(bodies[1].data.me).toEqual({ id: bob.id, email: bob.email });
    expect(bodies[2].errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(answer.responses[4].status).toBe(400);
    expect(bodies[4].errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it("runs each batched mutation as its caller's", async () => {
    const ids = [randomUUID(), randomUUID()];
    const answer = await batch(
      'matching',
      JSON.stringify({
        requests: [
          { headers: bearer(alice), body: { query: PLACE, variables: order(ids[0]) } },
          { headers: bearer(bob), body: { query: PLACE, variables: order(ids[1]) } },
        ],
      }),
    );
    expect(answer.status).toBe(200);
    const placed = answer.responses.map((r: Answer) => JSON.parse(r.body).data.placeOrder);
    expect(placed.map((p: { clientOrderId: string; status: string }) => [p.clientOrderId, p.status])).toEqual([
      [ids[0], 'open'],
      [ids[1], 'open'],
    ]);
    expect(await ownerOf(ids[0])).toEqual([alice.id]);
    expect(await ownerOf(ids[1])).toEqual([bob.id]);
  });

  it('sends each answer as soon as it is ready: a slow request holds back no other', async () => {
    // Logging in verifies an argon2 password hash (tens of milliseconds); __typename is immediate.
    const LOGIN = 'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { ... on AuthPayload { accessToken } } }';
    const answer = await batch(
      'accounts',
      JSON.stringify({
        requests: [
          { headers: {}, body: { query: LOGIN, variables: { email: alice.email, password: 'correct horse battery staple' } } },
          { headers: {}, body: { query: '{ __typename }' } },
        ],
      }),
    );
    expect(answer.arrived.map((a) => a.index)).toEqual([1, 0]);
    expect(JSON.parse(answer.responses[0].body).data.login.accessToken).toEqual(expect.any(String));
    expect(JSON.parse(answer.responses[1].body).data).toEqual({ __typename: 'Query' });
  });

  it('refuses a batch that is not one whole, running none of it', async () => {
    const coid = randomUUID();
    const good = { headers: bearer(alice), body: { query: PLACE, variables: order(coid) } };
    const cases: [string, string][] = [
      ['a request without headers', JSON.stringify({ requests: [good, { body: { query: '{ __typename }' } }] })],
      ['a header that is not a string', JSON.stringify({ requests: [good, { headers: { authorization: 5 }, body: {} }] })],
      ['a request without a body', JSON.stringify({ requests: [good, { headers: {} }] })],
      ['no requests', JSON.stringify({ requests: [] })],
      ['too many requests', JSON.stringify({ requests: Array.from({ length: 257 }, () => good) })],
      ['not JSON', '{"requests": ['],
    ];
    for (const [what, body] of cases) {
      const answer = await batch('matching', body);
      expect({ what, status: answer.status, code: answer.json.errors?.[0]?.extensions?.code }).toEqual({ what, status: 400, code: 'BAD_REQUEST' });
    }
    expect(await ownerOf(coid)).toEqual([]);
  });

  it('sends what the gateway fetches from one subgraph at one moment as a batch, every caller answered as alone', async () => {
    const batchedBefore = await metric(GATEWAY_URL, 'gateway_subgraph_batched_fetches_total');
    const forwardedBefore = await metric(GATEWAY_URL, 'gateway_forwarded_mutations_total');
    // Forwarded mutations, from two callers at once, some refused by matching.
    const sent = Array.from({ length: 40 }, (_, i) => ({
      user: i % 2 === 0 ? alice : bob,
      coid: randomUUID(),
      market: i % 10 === 9 ? 'NOPE-USDT' : 'BTC-USDT',
    }));
    const [answers, refusedAlone] = await Promise.all([
      Promise.all(sent.map((s) => gql(PLACE, order(s.coid, s.market), { token: s.user.token }))),
      gql(PLACE, order(randomUUID(), 'NOPE-USDT'), { token: alice.token }),
    ]);
    for (const [i, s] of sent.entries()) {
      if (s.market === 'NOPE-USDT') {
        expect(answers[i]).toEqual(refusedAlone);
        expect(answers[i].errors?.[0].extensions).toMatchObject({ code: 'UNKNOWN_MARKET', serviceName: 'matching' });
      } else {
        expect(answers[i].data.placeOrder).toMatchObject({ clientOrderId: s.coid, status: 'open' });
        expect(await ownerOf(s.coid)).toEqual([s.user.id]);
      }
    }
    expect(await metric(GATEWAY_URL, 'gateway_forwarded_mutations_total')).toBe(forwardedBefore + 36);
    // Queries through the executor, from many callers at once: each sees its own data.
    const users = [alice, bob, ...(await Promise.all(Array.from({ length: 8 }, () => signUp())))];
    const callers = Array.from({ length: 40 }, (_, i) => users[i % users.length]);
    const mine = await Promise.all(callers.map((user) => gql('{ me { id email } }', {}, { token: user.token })));
    mine.forEach((answer, i) => expect(answer.data.me).toEqual({ id: callers[i].id, email: callers[i].email }));
    // 80 requests at once, and the gateway read many of them together: some went in batches.
    expect(await metric(GATEWAY_URL, 'gateway_subgraph_batched_fetches_total')).toBeGreaterThan(batchedBefore);
  });
});
