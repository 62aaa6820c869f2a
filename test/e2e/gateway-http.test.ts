import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { SignJWT, importJWK } from 'jose';
import { Client as PgClient } from 'pg';
import { gql as gqlAt, signUp as signUpAt, type TestUser } from '../harness/client';
import { ownSystem, startOwnSystem } from '../harness/env';
import { ROOT_ADMIN_EMAIL } from '../harness/roles';

// The gateway answers cached public responses before express and Apollo Server (gateway/src/edge/fast-path.ts).
// What a client receives must not change: the same bytes and headers as the pipeline's answer,
// credentials checked as before, a write through the gateway visible to the next read, and
// everything the fast path does not answer handled by the pipeline as before.
// A system of its own: the assertions count the gateway's fast answers, which no other test file may add to.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(1500, 'gwhttp');
const GATEWAY_URL = `http://127.0.0.1:${PORT_BASE}`;
const GATEWAY_HTTP = `${GATEWAY_URL}/graphql`;
let system: { stop(): Promise<void>; databaseUrl: string };
beforeAll(async () => {
  system = await startOwnSystem(PORT_BASE, DATABASE);
}, 120000);
afterAll(() => system?.stop());

const gql = (query: string, variables: Record<string, unknown> = {}, options: { token?: string } = {}) =>
  gqlAt(query, variables, { ...options, url: GATEWAY_HTTP });
const signUp = () => signUpAt(GATEWAY_HTTP);
async function sql(text: string): Promise<any[]> {
  const client = new PgClient({ connectionString: system.databaseUrl });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

interface RawResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/** A POST to /graphql as raw bytes, with the response's headers as sent (names, order, values). */
function post(body: string | Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  const url = new URL(GATEWAY_HTTP);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const pairs: [string, string][] = [];
          for (let i = 0; i < response.rawHeaders.length; i += 2) pairs.push([response.rawHeaders[i], response.rawHeaders[i + 1]]);
          resolve({ status: response.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks) });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const header = (response: RawResponse, name: string) => response.headers.find(([n]) => n.toLowerCase() === name)?.[1];
/** Headers that legitimately differ between two answers a moment apart. */
const comparable = (response: RawResponse) =>
  response.headers
    .filter(([name]) => name.toLowerCase() !== 'date')
    .map(([name, value]) => [name, name.toLowerCase() === 'cache-control' ? value.replace(/max-age=\d+/, 'max-age=N') : value]);
const json = (response: RawResponse) => JSON.parse(response.body.toString('utf8'));

async function fastHits(): Promise<number> {
  const text = await (await fetch(`${GATEWAY_URL}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('gateway_response_cache_fast_hits_total'));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function counter(name: string): Promise<number> {
  const text = await (await fetch(`${GATEWAY_URL}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
}
const leanQueries = () => counter('gateway_lean_queries_total');
const forwardedMutations = () => counter('gateway_forwarded_mutations_total');

const MARKET = 'query Market($s: String!) { market(symbol: $s) { symbol status tickSize lotSize } }';
/** A body the fast path can answer once cached (each test its own market, so entries do not mix). */
const marketBody = (symbol: string) => JSON.stringify({ query: MARKET, operationName: 'Market', variables: { s: symbol } });
/** The same request, but with (empty) extensions: the fast path leaves it to the pipeline, whose plugin answers from the same entry. */
const pipelineBody = (symbol: string) => JSON.stringify({ query: MARKET, operationName: 'Market', variables: { s: symbol }, extensions: {} });

/** Makes sure the market's answer is in the gateway's response cache. */
async function cached(symbol: string, token: string) {
  const first = await post(marketBody(symbol), { authorization: `Bearer ${token}` });
  expect(first.status).toBe(200);
  expect(header(first, 'cache-control')).toMatch(/^max-age=\d+, public$/);
  return first;
}

describe('the gateway fast path for cached public answers', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await signUp();
  });

  it('answers a hit with the bytes and headers of the pipeline', async () => {
    const auth = { authorization: `Bearer ${user.token}`, 'x-request-id': `fast-${randomUUID()}` };
    const miss = await cached('ETH-USDT', user.token);
    expect(json(miss).data.market).toMatchObject({ symbol: 'ETH-USDT', status: 'active' });

    for (const accept of [undefined, '*/*', 'application/json', 'application/graphql-response+json,application/json;q=0.9']) {
      const headers = { ...auth, ...(accept ? { accept } : {}) };
      const hitsBefore = await fastHits();
      const fast = await post(marketBody('ETH-USDT'), headers);
      expect(await fastHits()).toBe(hitsBefore + 1);
      const pipeline = await post(pipelineBody('ETH-USDT'), headers);
      expect(await fastHits()).toBe(hitsBefore + 1);

      expect(fast.status).toBe(200);
      expect(pipeline.status).toBe(200);
      expect(fast.body.equals(pipeline.body)).toBe(true);
      expect(fast.body.equals(miss.body)).toBe(true);
      expect(comparable(fast)).toEqual(comparable(pipeline));
      expect(header(fast, 'x-request-id')).toBe(headers['x-request-id']);
      expect(header(fast, 'cache-control')).toMatch(/^max-age=[1-5], public$/);
      expect(header(fast, 'content-type')).toBe(
        accept?.startsWith('application/graphql-response+json')
          ? 'application/graphql-response+json; charset=utf-8'
          : 'application/json; charset=utf-8',
      );
    }
    // Without a request id, each answer gets a fresh one.
    const [a, b] = [await post(marketBody('ETH-USDT')), await post(marketBody('ETH-USDT'))];
    expect(header(a, 'x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(header(a, 'x-request-id')).not.toBe(header(b, 'x-request-id'));
  });

  it('refuses a bad or expired token on a would-be hit, as the pipeline does', async () => {
    await cached('BTC-USDT', user.token);
    const [row] = await sql('select kid, private_jwk from accounts.signing_keys where retired_at is null order by created_at desc limit 1');
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ roles: ['user'], sub: user.id })
      .setProtectedHeader({ alg: 'ES256', kid: row.kid, typ: 'JWT' })
      .setIssuer('tradegraph-accounts')
      .setAudience('tradegraph')
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 1800)
      .sign(await importJWK(row.private_jwk, 'ES256'));
    const [head, payload, signature] = user.token.split('.');
    const tampered = `${head}.${payload}.${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;

    const hitsBefore = await fastHits();
    for (const token of [expired, tampered, 'garbage']) {
      const refused = await post(marketBody('BTC-USDT'), { authorization: `Bearer ${token}`, 'x-request-id': 'bad-token' });
      expect(refused.status).toBe(401);
      expect(json(refused).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(json(refused).data).toBeUndefined();
      // Exactly what the same token gets on a query nobody caches.
      const uncached = await post(JSON.stringify({ query: '{ me { id } }' }), { authorization: `Bearer ${token}`, 'x-request-id': 'bad-token' });
      expect(refused.body.equals(uncached.body)).toBe(true);
      expect(comparable(refused)).toEqual(comparable(uncached));
    }
    // Both kinds of credential at once stay ambiguous.
    const both = await post(marketBody('BTC-USDT'), { authorization: `Bearer ${user.token}`, 'x-api-key': 'tgk_whatever' });
    expect(both.status).toBe(401);
    expect(json(both).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(await fastHits()).toBe(hitsBefore);
  });

  it('serves API keys through the exchange and refuses a revoked one', async () => {
    await cached('SOL-USDT', user.token);
    const create = (label: string) =>
      gql('mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }', { input: { label, scopes: ['read'] } }, { token: user.token });
    const good = (await create('fast-path')).data.createApiKey;
    const hitsBefore = await fastHits();
    const served = await post(marketBody('SOL-USDT'), { 'x-api-key': good.secret });
    expect(served.status).toBe(200);
    expect(json(served).data.market.symbol).toBe('SOL-USDT');
    expect(await fastHits()).toBe(hitsBefore + 1);

    const revokedKey = (await create('revoked')).data.createApiKey;
    await gql('mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: revokedKey.apiKey.id }, { token: user.token });
    const refused = await post(marketBody('SOL-USDT'), { 'x-api-key': revokedKey.secret });
    expect(refused.status).toBe(401);
    expect(json(refused).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(json(refused).errors[0].message).toMatch(/revoked/);
    expect(await fastHits()).toBe(hitsBefore + 1);
  });

  it('lets a client read its own write through the gateway at once', async () => {
    // The bootstrap admin of this system (ADMIN_EMAILS).
    const signed = await gql('mutation ($e: String!, $p: String!) { signUp(email: $e, password: $p) { accessToken } }', {
      e: ROOT_ADMIN_EMAIL,
      p: 'correct horse battery staple',
    });
    const admin = { token: signed.data.signUp.accessToken as string };
    const input = { base: 'ETH', quote: 'EUR', category: 'crypto', tickSize: '0.01', lotSize: '0.0001', minNotional: '5', referencePrice: '3000' };
    const added = await gql('mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }', { input }, { token: admin.token });
    expect(added.errors).toBeUndefined();
    const status = async () => json(await post(marketBody('ETH-EUR'), { authorization: `Bearer ${admin.token}` })).data.market.status;

    await cached('ETH-EUR', admin.token);
    const hitsBefore = await fastHits();
    expect(await status()).toBe('active');
    expect(await fastHits()).toBe(hitsBefore + 1);
    const suspended = await gql('mutation { suspendMarket(symbol: "ETH-EUR") { status } }', {}, { token: admin.token });
    expect(suspended.data.suspendMarket.status).toBe('suspended');
    expect(await status()).toBe('suspended');
    expect(await status()).toBe('suspended'); // cached again, now the new answer
    await gql('mutation { resumeMarket(symbol: "ETH-EUR") { status } }', {}, { token: admin.token });
    expect(await status()).toBe('active');
  });

  it('refreshes an expired answer once for many callers asking at the same moment', async () => {
    const first = await cached('BTC-USDC', user.token);
    const maxAge = Number(/max-age=(\d+)/.exec(header(first, 'cache-control') ?? '')![1]);
    await new Promise((resolve) => setTimeout(resolve, maxAge * 1000 + 200));
    const hitsBefore = await fastHits();
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(marketBody('BTC-USDC'), { authorization: `Bearer ${user.token}` })));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.equals(answers[0].body)).toBe(true);
      expect(header(answer, 'cache-control')).toMatch(/^max-age=\d+, public$/);
    }
    expect(json(answers[0]).data.market.symbol).toBe('BTC-USDC');
    // One went through the pipeline; the others were served the answer it stored.
    expect(await fastHits()).toBe(hitsBefore + 19);
  });

  it('runs ordinary queries without the pipeline, answering exactly as it does', async () => {
    const auth = { authorization: `Bearer ${user.token}`, 'x-request-id': `lean-${randomUUID()}` };
    const queries: [string, Record<string, unknown>][] = [
      ['query Me { me { id email roles balances { asset available } orders(first: 2) { edges { node { id } } } } }', {}],
      // Partial errors from a subgraph keep their code, path and HTTP status.
      ['query Missing($m: String!) { price(market: $m) { price } }', { m: 'NOPE-USDT' }],
      ['query Book { market(symbol: "BTC-USDT") { symbol orderBook(depth: 3) { market bids { price } } } }', {}],
      // Public: the lean miss stores it, and the pipeline's request below is a hit on it.
      ['query Few { markets(first: 3) { edges { node { symbol baseAsset { symbol } } } } }', {}],
      ['query Intro { __typename __type(name: "Market") { name fields { name } } }', {}],
      ['query Vars($first: Int, $skip: Boolean!) { markets(first: $first) { edges { node { symbol tickSize @skip(if: $skip) } } } }', { first: 2, skip: true }],
    ];
    for (const [query, variables] of queries) {
      const before = await leanQueries();
      const lean = await post(JSON.stringify({ query, variables }), auth);
      expect(await leanQueries()).toBe(before + 1);
      const pipeline = await post(JSON.stringify({ query, variables, extensions: {} }), auth);
      expect(await leanQueries()).toBe(before + 1);
      expect(lean.status).toBe(pipeline.status);
      expect(lean.body.toString('utf8')).toBe(pipeline.body.toString('utf8'));
      expect(comparable(lean)).toEqual(comparable(pipeline));
    }
    const missing = json(await post(JSON.stringify({ query: queries[1][0], variables: queries[1][1] })));
    expect(missing.errors[0].extensions.code).toBe('NOT_FOUND');
    // Anonymous private data is refused by the subgraph alike.
    const anonymous = await post(JSON.stringify({ query: queries[0][0] }));
    const anonymousPipeline = await post(JSON.stringify({ query: queries[0][0], extensions: {} }));
    expect(json(anonymous).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(anonymous.body.equals(anonymousPipeline.body)).toBe(true);
    expect(anonymous.status).toBe(anonymousPipeline.status);

    // Left to the pipeline: bad variables, a bad token, documents that do not validate.
    const before = await leanQueries();
    const badVariables = await post(JSON.stringify({ query: queries[1][0], variables: { m: 5 } }));
    expect(badVariables.status).toBe(400);
    expect(json(badVariables).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const badToken = await post(JSON.stringify({ query: queries[0][0] }), { authorization: 'Bearer garbage' });
    expect(badToken.status).toBe(401);
    const unnamed = await post(JSON.stringify({ query: 'query A { __typename } query B { __typename }' }));
    expect(json(unnamed).errors).toHaveLength(1);
    expect(await leanQueries()).toBe(before);
  });

  it('runs mutations without the pipeline too, answering exactly as it does and never twice', async () => {
    const trader = await signUp();
    const auth = { authorization: `Bearer ${trader.token}`, 'x-request-id': `lean-m-${randomUUID()}` };
    const CREDIT = 'mutation Credit($key: String!) { creditDemoFunds(asset: "USDT", amount: "500", idempotencyKey: $key) { asset available } }';
    const PLACE = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id market { symbol } side price quantity status clientOrderId } }';
    const order = (clientOrderId: string, market = 'BTC-USDT') => ({
      input: { market, side: 'buy', type: 'limit', price: '100', quantity: '0.5', clientOrderId },
    });
    const before = await leanQueries();
    const credit = json(await post(JSON.stringify({ query: CREDIT, variables: { key: randomUUID() } }), auth));
    expect(credit.data.creditDemoFunds).toEqual({ asset: 'USDT', available: '500' });
    expect(await leanQueries()).toBe(before + 1);

    // The same placement again (idempotent on clientOrderId) through the pipeline: the same bytes and headers.
    const variables = order(randomUUID());
    const lean = await post(JSON.stringify({ query: PLACE, variables }), auth);
    expect(await leanQueries()).toBe(before + 2);
    const pipeline = await post(JSON.stringify({ query: PLACE, variables, extensions: {} }), auth);
    expect(await leanQueries()).toBe(before + 2);
    expect(json(lean).data.placeOrder).toMatchObject({ status: 'open', price: '100', market: { symbol: 'BTC-USDT' } });
    expect(lean.status).toBe(pipeline.status);
    expect(lean.body.toString('utf8')).toBe(pipeline.body.toString('utf8'));
    expect(comparable(lean)).toEqual(comparable(pipeline));
    expect(header(lean, 'cache-control')).toBe('no-store');
    // Ran once: one order with that key, holding 50 USDT.
    const rows = await sql(`select count(*)::int as n from matching.orders where client_order_id = '${variables.input.clientOrderId}'`);
    expect(rows[0].n).toBe(1);
    // One order's reservation (50 USDT and its fee), not two.
    const balances = await gql('{ myBalances { asset available locked } }', {}, { token: trader.token });
    const usdt = balances.data.myBalances.find((b: { asset: string }) => b.asset === 'USDT');
    expect(Number(usdt.locked)).toBeGreaterThanOrEqual(50);
    expect(Number(usdt.locked)).toBeLessThan(51);
    expect(BigInt(Math.round(Number(usdt.available) * 1e8)) + BigInt(Math.round(Number(usdt.locked) * 1e8))).toBe(500n * 10n ** 8n);

    // A refused mutation: the same error, code and status by both paths, and nothing changed.
    const refusedVariables = order(randomUUID(), 'NOPE-USDT');
    const refusedLean = await post(JSON.stringify({ query: PLACE, variables: refusedVariables }), auth);
    const refusedPipeline = await post(JSON.stringify({ query: PLACE, variables: refusedVariables, extensions: {} }), auth);
    expect(json(refusedLean).errors[0].extensions.code).toBe(json(refusedPipeline).errors[0].extensions.code);
    expect(refusedLean.body.toString('utf8')).toBe(refusedPipeline.body.toString('utf8'));
    expect(refusedLean.status).toBe(refusedPipeline.status);
    expect((await gql('{ myBalances { asset available locked } }', {}, { token: trader.token })).data.myBalances).toEqual(
      balances.data.myBalances,
    );

    // Variables that do not coerce are still the pipeline's 400, and anonymous callers are refused alike.
    const counted = await leanQueries();
    const badVariables = await post(JSON.stringify({ query: PLACE, variables: { input: { market: 5 } } }), auth);
    expect(badVariables.status).toBe(400);
    expect(json(badVariables).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await leanQueries()).toBe(counted);
    const anonymous = await post(JSON.stringify({ query: PLACE, variables: order(randomUUID()) }));
    const anonymousPipeline = await post(JSON.stringify({ query: PLACE, variables: order(randomUUID()), extensions: {} }));
    expect(json(anonymous).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(anonymous.status).toBe(anonymousPipeline.status);
    expect(anonymous.body.toString('utf8')).toBe(anonymousPipeline.body.toString('utf8'));
  });

  it('sends a mutation one subgraph answers whole straight to it, answering exactly as the executor does', async () => {
    const trader = await signUp();
    const auth = { authorization: `Bearer ${trader.token}`, 'x-request-id': `forward-${randomUUID()}` };
    // The order flow's own operations: one fetch to matching, its data the whole answer.
    const PLACE = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status clientOrderId } }';
    const CANCEL = 'mutation Cancel($coid: String!) { cancelOrder(clientOrderId: $coid) { id status } }';
    await gql('mutation ($k: String!) { creditDemoFunds(asset: "USDT", amount: "500", idempotencyKey: $k) { asset } }', { k: randomUUID() }, { token: trader.token });
    const input = { market: 'BTC-USDT', side: 'buy', type: 'limit', price: '100', quantity: '0.5', clientOrderId: randomUUID() };

    const forwarded = await forwardedMutations();
    const placed = await post(JSON.stringify({ query: PLACE, operationName: 'Place', variables: { input } }), auth);
    expect(await forwardedMutations()).toBe(forwarded + 1);
    expect(json(placed).data.placeOrder).toMatchObject({ status: 'open', clientOrderId: input.clientOrderId });
    // The same placement again through the pipeline (idempotent on clientOrderId): the same bytes and headers.
    const pipeline = await post(JSON.stringify({ query: PLACE, operationName: 'Place', variables: { input }, extensions: {} }), auth);
    expect(await forwardedMutations()).toBe(forwarded + 1);
    expect(placed.status).toBe(pipeline.status);
    expect(placed.body.toString('utf8')).toBe(pipeline.body.toString('utf8'));
    expect(comparable(placed)).toEqual(comparable(pipeline));
    expect(header(placed, 'x-request-id')).toBe(auth['x-request-id']);
    const rows = await sql(`select count(*)::int as n from matching.orders where client_order_id = '${input.clientOrderId}'`);
    expect(rows[0].n).toBe(1);

    // The caller's token went along: the order is this trader's, and a cancel through the forward path finds it.
    const cancelled = await post(JSON.stringify({ query: CANCEL, variables: { coid: input.clientOrderId } }), auth);
    expect(json(cancelled).data.cancelOrder).toEqual({ id: json(placed).data.placeOrder.id, status: 'cancelled' });
    expect(await forwardedMutations()).toBe(forwarded + 2);

    // Errors from the subgraph are shaped by the executor from the response already received,
    // so they read exactly as the pipeline's, and nothing is sent twice.
    const balancesBefore = (await gql('{ myBalances { asset available locked } }', {}, { token: trader.token })).data.myBalances;
    const refused = { ...input, market: 'NOPE-USDT', clientOrderId: randomUUID() };
    const refusedForward = await post(JSON.stringify({ query: PLACE, variables: { input: refused } }), auth);
    const refusedPipeline = await post(JSON.stringify({ query: PLACE, variables: { input: refused }, extensions: {} }), auth);
    expect(json(refusedForward).errors[0].extensions).toMatchObject({ code: 'UNKNOWN_MARKET', serviceName: 'matching' });
    expect(refusedForward.status).toBe(refusedPipeline.status);
    expect(refusedForward.body.toString('utf8')).toBe(refusedPipeline.body.toString('utf8'));
    const unknownCancel = await post(JSON.stringify({ query: CANCEL, variables: { coid: randomUUID() } }), auth);
    const unknownCancelPipeline = await post(JSON.stringify({ query: CANCEL, variables: { coid: 'also-unknown' }, extensions: {} }), auth);
    expect(json(unknownCancel).errors[0].extensions.serviceName).toBe('matching');
    expect(json(unknownCancel).errors[0].extensions.code).toBe(json(unknownCancelPipeline).errors[0].extensions.code);
    expect(await forwardedMutations()).toBe(forwarded + 2);
    expect((await gql('{ myBalances { asset available locked } }', {}, { token: trader.token })).data.myBalances).toEqual(balancesBefore);

    // An anonymous caller is refused by the subgraph, as through the pipeline.
    const anonymous = await post(JSON.stringify({ query: PLACE, variables: { input: { ...input, clientOrderId: randomUUID() } } }));
    expect(json(anonymous).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // Variables that do not coerce never leave the gateway: the pipeline's 400.
    const badVariables = await post(JSON.stringify({ query: PLACE, variables: { input: { ...input, market: 5 } } }), auth);
    expect(badVariables.status).toBe(400);
    expect(json(badVariables).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await forwardedMutations()).toBe(forwarded + 2);
  });

  it('leaves everything else to the pipeline, which answers as before', async () => {
    const hitsBefore = await fastHits();
    // Private data is never served from the cache.
    const me = await post(JSON.stringify({ query: '{ me { id } }' }), { authorization: `Bearer ${user.token}` });
    expect(json(me).data.me.id).toBe(user.id);
    expect(header(me, 'cache-control')).toBe('no-store');
    // Not JSON: express.json still reads the untouched bytes and refuses them.
    const broken = await post('{"query": "{ markets { edges { node { symbol } } } }"');
    expect(broken.status).toBe(400);
    const scalar = await post('"{ markets { totalCount } }"');
    expect(scalar.status).toBe(400);
    // A byte-order mark is stripped by express.json, as before.
    const bom = await post(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(marketBody('ETH-USDT'))]));
    expect(bom.status).toBe(200);
    expect(json(bom).data.market.symbol).toBe('ETH-USDT');
    // A batch, or a body that is not an operation, gets Apollo Server's 400.
    const batch = await post(JSON.stringify([{ query: '{ __typename }' }]));
    expect(batch.status).toBe(400);
    const empty = await post('{}');
    expect(empty.status).toBe(400);
    const wrongVariables = await post(JSON.stringify({ query: MARKET, variables: '{"s":"ETH-USDT"}' }));
    expect(wrongVariables.status).toBe(400);
    // A simple (CSRF-prone) content type is still blocked.
    const text = await post(marketBody('ETH-USDT'), { 'content-type': 'text/plain' });
    expect(text.status).toBe(400);
    expect(json(text).errors[0].message).toMatch(/Cross-Site Request Forgery/);
    // Validation errors and GET queries are unchanged.
    const invalid = await post(JSON.stringify({ query: '{ market(symbol: "ETH-USDT") { nope } }' }));
    expect(invalid.status).toBe(400);
    expect(json(invalid).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const get = await fetch(`${GATEWAY_HTTP}?query=${encodeURIComponent('{ market(symbol: "ETH-USDT") { symbol } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(((await get.json()) as any).data.market.symbol).toBe('ETH-USDT');
    expect(await fastHits()).toBe(hitsBefore);
  });
});

describe('the gateway /metrics', () => {
  it("reports the process's own figures beside the gateway's counters, as the subgraphs do", async () => {
    const text = await (await fetch(`${GATEWAY_URL}/metrics`)).text();
    const sample = (name: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
      return line === undefined
        ? undefined
        : { labels: line.slice(line.indexOf('{'), line.indexOf('}') + 1), value: Number(line.split(' ').pop()) };
    };
    // Event-loop delay, CPU, memory and GC: what tells a stalled gateway from a slow subgraph.
    for (const name of [
      'nodejs_eventloop_lag_max_seconds',
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(sample(name)).toEqual({ labels: expect.stringContaining('service="gateway"'), value: expect.any(Number) });
    }
    expect(sample('process_resident_memory_bytes')!.value).toBeGreaterThan(10 * 1024 * 1024);
    expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');
    expect(text).toContain('gateway_subgraph_batches_total');
  });
});

describe('the gateway HTTP connections', () => {
  it("keeps an idle client connection past node's 5-s default, and says for how long", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ reused: boolean; keepAlive: string | undefined; status: number }>((resolve, reject) => {
        const request = http.get(`${GATEWAY_URL}/health`, { agent }, (response) => {
          response.resume();
          response.on('end', () => resolve({ reused: request.reusedSocket, keepAlive: response.headers['keep-alive'], status: response.statusCode! }));
        });
        request.on('error', reject);
      });
    try {
      expect(await get()).toEqual({ reused: false, keepAlive: 'timeout=65', status: 200 });
      await new Promise((resolve) => setTimeout(resolve, 6000));
      expect(await get()).toEqual({ reused: true, keepAlive: 'timeout=65', status: 200 });
    } finally {
      agent.destroy();
    }
  }, 15000);
});
