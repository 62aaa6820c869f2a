import { gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { credit, gql, logLines, rawClient, signUp, type TestUser } from '../harness/client';
import { GATEWAY_WS, INTERNAL_HEADERS, subgraphUrl } from '../harness/env';
import { balancesOf, leaksIn, post, raw, stillServes, verdict } from '../harness/hostile';

// Hostile input, generated case by case, against the real system (issue 18): transport abuse,
// query abuse, numbers and money, and strings meant to crash or leak. Every answer must be
// refused cleanly (no 5xx, JSON, a stable code, nothing of the inside), nothing accepted that
// should not be, and after each category the system still answers and no balance moved.

const PLACE = 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }';
const CANCEL = 'mutation ($c: String!) { cancelOrder(clientOrderId: $c) { status } }';
const CREDIT = 'mutation ($asset: String!, $amount: Decimal!, $key: String!) { creditDemoFunds(asset: $asset, amount: $amount, idempotencyKey: $key) { available } }';
const order = (overrides: Record<string, unknown> = {}) => ({
  market: 'BTC-USDT',
  side: 'buy',
  type: 'limit',
  price: '100',
  quantity: '0.01',
  clientOrderId: `h-${Math.random().toString(36).slice(2)}`,
  ...overrides,
});

let trader: TestUser;
let before: Record<string, string>;

beforeAll(async () => {
  trader = await signUp();
  await credit(trader.token, 'USDT', '1000', undefined);
  await credit(trader.token, 'BTC', '1', undefined);
  before = await balancesOf(trader.token);
});

/** After a category: the system answers, takes an order, and the trader's balances are as before. */
async function unharmed(): Promise<void> {
  await stillServes(trader.token);
  expect(await balancesOf(trader.token)).toEqual(before);
}

/** JSON text of arrays (or objects) nested `levels` deep: written out, as JSON.stringify would overflow the stack here too. */
const deepArrays = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
const deepObjects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
/** A request body whose variables hold `deep` (JSON text) under `name`, beside `others`. */
const bodyWithDeep = (query: string, name: string, deep: string, others: Record<string, unknown> = {}) =>
  `{"query": ${JSON.stringify(query)}, "variables": {${Object.entries(others).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}, `).join('')}${JSON.stringify(name)}: ${deep}}}`;

describe('transport', () => {
  const JSON_TYPE = { 'content-type': 'application/json' };
  const query = '{ markets(first: 1) { edges { node { symbol } } } }';
  const body = JSON.stringify({ query });
  type Send = () => Promise<import('../harness/hostile').RawAnswer>;
  /** Requests that GraphQL may answer with data: junk beside a good query, or a header it cleans up. */
  const MAY_SUCCEED = new Set(['deeply nested JSON body', 'deeply nested object body', 'json with boundary junk', 'request id with junk']);
  const cases: [string, Send][] = [
    // Bodies that are not a GraphQL request.
    ...(
      [
        ['truncated JSON', '{"query": "{ markets'],
        ['trailing garbage', `${body}xyz`],
        ['single quotes', "{'query': '{ __typename }'}"],
        ['JSON number', '42'],
        ['JSON string', '"{ __typename }"'],
        ['JSON null', 'null'],
        ['JSON true', 'true'],
        ['empty object', '{}'],
        ['empty array', '[]'],
        ['array of junk', '[1, "a", null]'],
        ['whitespace only', '   '],
        ['NUL bytes', '\u0000\u0000\u0000'],
        ['query is a number', '{"query": 5}'],
        ['query is an object', '{"query": {"a": 1}}'],
        ['query is an array', '{"query": ["{ __typename }"]}'],
        ['query is null', '{"query": null}'],
        ['query is empty', '{"query": ""}'],
        ['operationName is a number', JSON.stringify({ query, operationName: 5 })],
        ['operationName is an object', JSON.stringify({ query, operationName: {} })],
        ['variables is a string', JSON.stringify({ query, variables: 'x' })],
        ['variables is an array', JSON.stringify({ query, variables: [1, 2] })],
        ['variables is a number', JSON.stringify({ query, variables: 3 })],
        ['extensions is a string', JSON.stringify({ query, extensions: 'x' })],
        ['persisted query unknown', JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } })],
        ['persisted query bad version', JSON.stringify({ extensions: { persistedQuery: { version: 99, sha256Hash: 'x' } } })],
        ['unknown operationName', JSON.stringify({ query: 'query A { __typename }', operationName: 'B' })],
        ['two operations, no name', JSON.stringify({ query: 'query A { __typename } query B { __typename }' })],
        ['subscription over POST', JSON.stringify({ query: 'subscription { priceUpdated(market: "BTC-USDT") { price } }' })],
        ['syntax error', JSON.stringify({ query: '{ markets(first: ) }' })],
        ['unknown field', JSON.stringify({ query: '{ nope }' })],
        ['deeply nested JSON body', `{"query": "{ __typename }", "x": ${'['.repeat(20000)}${']'.repeat(20000)}}`],
        ['deeply nested object body', `{"query": "{ __typename }", "x": ${'{"a":'.repeat(20000)}1${'}'.repeat(20000)}}`],
        ['duplicate keys', '{"query": "{ __typename }", "query": "{ nope }"}'],
        ['invalid UTF-8', Buffer.concat([Buffer.from('{"query": "{ '), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from(' }"}')])],
        ['BOM then garbage', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"query": ')])],
        ['lone surrogate escape', '{"query": "{ __typename }", "variables": {"a": "\\ud800"}}'],
      ] as [string, string | Buffer][]
    ).map(([name, payload]): [string, () => Promise<import('../harness/hostile').RawAnswer>] => [name, () => raw(payload, JSON_TYPE)]),
    // Content types, charsets and encodings.
    ...(
      [
        ['text/plain', { 'content-type': 'text/plain' }],
        ['form encoded', { 'content-type': 'application/x-www-form-urlencoded' }],
        ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }],
        ['xml', { 'content-type': 'application/xml' }],
        ['no content type', {}],
        ['charset latin1', { 'content-type': 'application/json; charset=latin1' }],
        ['charset utf-16', { 'content-type': 'application/json; charset=utf-16' }],
        ['charset utf-32', { 'content-type': 'application/json; charset=utf-32' }],
        ['charset nonsense', { 'content-type': 'application/json; charset=nope' }],
        ['gzip that is not gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
        ['deflate that is not deflate', { 'content-type': 'application/json', 'content-encoding': 'deflate' }],
        ['brotli that is not brotli', { 'content-type': 'application/json', 'content-encoding': 'br' }],
        ['unknown encoding', { 'content-type': 'application/json', 'content-encoding': 'x-nope' }],
        ['two encodings', { 'content-type': 'application/json', 'content-encoding': 'gzip, gzip' }],
        ['graphql content type', { 'content-type': 'application/graphql' }],
        ['json with boundary junk', { 'content-type': 'application/json; boundary=--' }],
      ] as [string, Record<string, string>][]
    ).map(([name, headers]): [string, () => Promise<import('../harness/hostile').RawAnswer>] => [name, () => raw(body, headers)]),
    ['gzip bomb (10 MB of zeros, compressed)', () => raw(gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20)), { ...JSON_TYPE, 'content-encoding': 'gzip' })],
    ['oversized body (2 MB)', () => raw(JSON.stringify({ query, variables: { x: 'a'.repeat(2 * 1024 * 1024) } }), JSON_TYPE)],
    ['oversized query (1 MB of spaces)', () => raw(JSON.stringify({ query: `{ __typename ${' '.repeat(1024 * 1024 - 100)}}` }), JSON_TYPE)],
    ['GET without query', () => raw(undefined, { accept: 'application/json' }, { method: 'GET', path: '/graphql?foo=1' })],
    ['GET with variables not JSON', () => raw(undefined, { accept: 'application/json', 'apollo-require-preflight': '1' }, { method: 'GET', path: `/graphql?query=${encodeURIComponent('query ($a: Int) { __typename }')}&variables=%7B` })],
    ['GET with deep variables', () => raw(undefined, { accept: 'application/json', 'apollo-require-preflight': '1' }, { method: 'GET', path: `/graphql?query=${encodeURIComponent('query ($a: [Int]) { __typename }')}&variables=${encodeURIComponent(`{"a": ${deepArrays(1000)}}`)}` })],
    ['GET mutation', () => raw(undefined, { accept: 'application/json', 'apollo-require-preflight': '1' }, { method: 'GET', path: `/graphql?query=${encodeURIComponent('mutation { logout }')}` })],
    ['PUT', () => raw(body, JSON_TYPE, { method: 'PUT' })],
    ['DELETE', () => raw(body, JSON_TYPE, { method: 'DELETE' })],
    ['PATCH', () => raw(body, JSON_TYPE, { method: 'PATCH' })],
    ['batch of 1,000 requests', () => raw(JSON.stringify(Array.from({ length: 1000 }, () => ({ query }))), JSON_TYPE)],
    ['bad token', () => post({ query }, 'not-a-token')],
    ['token with NUL', () => raw(body, { ...JSON_TYPE, authorization: 'Bearer a.b.c' })],
    ['request id with junk', () => raw(body, { ...JSON_TYPE, 'x-request-id': '<script>'.repeat(50) })],
  ];
  // The status may be any 4xx (or 200 for a request GraphQL answers with errors), never 5xx.
  it.each(cases)('%s: refused cleanly', async (name, send) => {
    const answer = await send();
    // Refused before GraphQL (HTTP 4xx) or by it (errors); either way never 5xx, never HTML, no leaks.
    const problems = verdict(answer, { maySucceed: true });
    const refused = answer.status >= 400 || (answer.json?.errors?.length ?? 0) > 0;
    if (!refused && !MAY_SUCCEED.has(name)) problems.push(`accepted: ${answer.text.slice(0, 200)}`);
    expect(problems).toEqual([]);
  });

  it.each([
    ['a subgraph: malformed JSON', 'matching', '{"query": ', JSON_TYPE],
    ['a subgraph: bad charset', 'accounts', body, { 'content-type': 'application/json; charset=latin1' }],
    ['a subgraph: bad encoding', 'markets', body, { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
    ['a subgraph: oversized', 'trading', JSON.stringify({ query, x: 'a'.repeat(2 * 1024 * 1024) }), JSON_TYPE],
    ['a subgraph: NUL in variables', 'matching', JSON.stringify({ query: 'query ($c: String) { c: __typename }', variables: { c: '\u0000' } }), JSON_TYPE],
    ['a subgraph: deep variables', 'funding', bodyWithDeep('query ($c: [Int]) { __typename }', 'c', deepArrays(5000)), JSON_TYPE],
    // (Every row has all four values: jest takes a test function with more parameters than the row for one that waits for done().)
  ] as [string, string, string, Record<string, string>][])('%s: JSON error, no HTML or stack', async (_name, subgraph, payload, headers) => {
    // With the internal credential, as the gateway calls it: what is tested is the subgraph's own answer.
    const answer = await raw(payload, { ...INTERNAL_HEADERS, ...headers }, { url: `${subgraphUrl(subgraph as never)}/graphql` });
    expect(verdict(answer, { maySucceed: true })).toEqual([]);
    expect(answer.status).toBeGreaterThanOrEqual(400);
  });

  it('answers client mistakes with 4xx: unknown operationName and subscriptions over POST', async () => {
    expect((await post({ query: 'query A { __typename }', operationName: 'B' })).status).toBe(400);
    expect((await post({ query: 'subscription { priceUpdated(market: "BTC-USDT") { price } }' })).status).toBeGreaterThanOrEqual(400);
    expect((await post({ query: 'subscription { priceUpdated(market: "BTC-USDT") { price } }' })).status).toBeLessThan(500);
  });

  it('leaves the system unharmed', unharmed);
});

describe('query abuse', () => {
  const field = (depth: number) => `{ me ${'{ referrals { edges { node '.repeat(depth)}{ id }${' } } }'.repeat(depth)} }`;
  const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: orderBook(market: "BTC-USDT") { sequence }`).join(' ')} }`;
  const cases: [string, unknown, string[]][] = [
    ...[6, 10, 20, 60, 200].map((d): [string, unknown, string[]] => [`depth ${d * 3 + 2}`, { query: field(d) }, ['QUERY_TOO_COMPLEX']]),
    ...[101, 200, 1000, 4000].map((n): [string, unknown, string[]] => [`${n} aliases`, { query: aliases(n) }, ['QUERY_TOO_COMPLEX']]),
    ['15,000 aliases (855 KB)', { query: aliases(15000) }, ['QUERY_TOO_COMPLEX']],
    ...[51, 200, 2000].map((n): [string, unknown, string[]] => [
      `${n} directives`,
      { query: `{ __typename ${'@include(if: true) '.repeat(n)}}` },
      ['QUERY_TOO_COMPLEX'],
    ]),
    ['3,001+ tokens', { query: `{ ${'__typename '.repeat(3100)}}` }, ['QUERY_TOO_COMPLEX']],
    ['20,001+ characters', { query: `{ __typename }${' '.repeat(20_001)}` }, ['QUERY_TOO_COMPLEX']],
    ['2,001 fields without aliases', { query: `{ ${'__typename '.repeat(2001)}}` }, ['QUERY_TOO_COMPLEX']],
    [
      'fragment bomb (2^20 fields)',
      {
        query: `{ ...F0 } ${Array.from({ length: 20 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F20 on Query { __typename }`,
      },
      ['QUERY_TOO_COMPLEX'],
    ],
    ['fragment cycle', { query: '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }' }, ['GRAPHQL_VALIDATION_FAILED']],
    ['self-spreading fragment', { query: '{ ...A } fragment A on Query { __typename ...A }' }, ['GRAPHQL_VALIDATION_FAILED']],
    [
      'introspection 40 levels of ofType',
      { query: `{ __schema { types { ${'ofType { '.repeat(40)}name${' }'.repeat(40)} } } }` },
      ['QUERY_TOO_COMPLEX'],
    ],
    ['list literal nested 2,000 deep', { query: `{ orderBook(market: ${'['.repeat(2000)}"x"${']'.repeat(2000)}) { sequence } }` }, ['QUERY_TOO_COMPLEX']],
    ['object literal nested 1,000 deep', { query: `mutation { placeOrder(input: ${'{a: '.repeat(1000)}1${'}'.repeat(1000)}) { id } }` }, ['QUERY_TOO_COMPLEX']],
    ...[200, 5000, 50000].map((n): [string, unknown, string[]] => [`variables: arrays ${n} deep`, bodyWithDeep('query ($a: [String]) { __typename }', 'a', deepArrays(n)), ['BAD_USER_INPUT']]),
    ...[200, 5000, 50000].map((n): [string, unknown, string[]] => [`variables: objects ${n} deep`, bodyWithDeep('query ($a: String) { __typename }', 'a', deepObjects(n)), ['BAD_USER_INPUT']]),
    [
      'variables: 5,000 levels on a cacheable query',
      bodyWithDeep('query ($m: String!) { market(symbol: $m) { symbol } }', 'x', deepArrays(5000), { m: 'BTC-USDT' }),
      ['BAD_USER_INPUT'],
    ],
    [
      'variables: 5,000 levels on a mutation',
      bodyWithDeep(PLACE, 'input', deepArrays(5000)),
      ['BAD_USER_INPUT'],
    ],
    ['variables: 100,000 values', { query: 'query ($a: [Int]) { __typename }', variables: { a: Array.from({ length: 100_000 }, () => 1) } }, ['BAD_USER_INPUT']],
    [
      'cost: 100 markets × 100 order-book levels × nested',
      {
        query:
          '{ markets(first: 100) { edges { node { orderBook(depth: 500) { bids { price } asks { price } } symbol baseAsset { markets: symbol } } } } }',
      },
      ['QUERY_TOO_COMPLEX'],
    ],
    [
      'cost: page size in a variable',
      {
        query: 'query ($n: Int) { markets(first: $n) { edges { node { orderBook(depth: 500) { bids { price } asks { price } } } } } }',
        variables: { n: 100 },
      },
      ['QUERY_TOO_COMPLEX'],
    ],
    [
      'cost: 90 aliases of deep order books',
      { query: `{ ${Array.from({ length: 90 }, (_, i) => `b${i}: orderBook(market: "BTC-USDT", depth: 500) { bids { price } asks { price } }`).join(' ')} }` },
      ['QUERY_TOO_COMPLEX'],
    ],
  ];
  it.each(cases)('%s: QUERY_TOO_COMPLEX or refused before it runs', async (_name, body, codes) => {
    const answer = await post(body, trader.token);
    expect(verdict(answer, { codes })).toEqual([]);
    expect(answer.status).toBeLessThan(500);
  });

  it('says which limit and the computed cost', async () => {
    const answer = await post({ query: '{ markets(first: 100) { edges { node { orderBook(depth: 500) { bids { price } asks { price } } } } } }' });
    expect(answer.status).toBe(400);
    const { extensions } = answer.json.errors[0];
    expect(extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    expect(extensions.cost).toBeGreaterThan(extensions.max);
    const deep = await post({ query: field(5) });
    expect(deep.json.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth', max: 15 });
  });

  it('lets ordinary queries through: a page of orders with their markets, the introspection query', async () => {
    const orders = await post({ query: '{ myOrders(first: 100) { edges { node { id market { symbol orderBook(depth: 10) { bids { price } } } } } } }' }, trader.token);
    expect(orders.json.errors).toBeUndefined();
    const { getIntrospectionQuery } = await import('graphql');
    const schema = await post({ query: getIntrospectionQuery() });
    expect(schema.json.errors).toBeUndefined();
    expect(schema.json.data.__schema.types.length).toBeGreaterThan(10);
  });

  describe('over WebSocket, the same limits', () => {
    const wsCases: [string, unknown][] = [
      ['too deep', { query: field(20) }],
      ['too many aliases', { query: aliases(200) }],
      ['too costly', { query: '{ markets(first: 100) { edges { node { orderBook(depth: 500) { bids { price } asks { price } } } } } }' }],
      ['deep variables', JSON.parse(bodyWithDeep('subscription ($m: String!) { priceUpdated(market: $m) { price } }', 'x', deepArrays(1000), { m: 'BTC-USDT' }))],
      ['NUL in variables', { query: 'subscription ($m: String!) { priceUpdated(market: $m) { price } }', variables: { m: 'BTC\u0000' } }],
    ];
    it.each(wsCases)('%s: an error frame, the socket stays usable', async (_name, payload) => {
      const client = await rawClient(GATEWAY_WS, trader.token);
      try {
        client.send({ id: '1', type: 'subscribe', payload });
        await waitFor(() => client.frames.some((f) => f.includes('"id":"1"') && f.includes('"type":"error"')));
        const frame = client.frames.find((f) => f.includes('"id":"1"'))!;
        expect(leaksIn(frame)).toEqual([]);
        expect(frame).toMatch(/QUERY_TOO_COMPLEX|BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
        client.send({ id: '2', type: 'subscribe', payload: { query: '{ __typename }' } });
        await waitFor(() => client.frames.some((f) => f.includes('"id":"2"') && f.includes('"next"')));
      } finally {
        client.socket.close();
      }
    });

    it('closes a socket that sends a message over the size limit (1009)', async () => {
      const client = await rawClient(GATEWAY_WS, trader.token);
      const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
      client.send({ id: '1', type: 'subscribe', payload: { query: `{ __typename }`, variables: { x: 'a'.repeat(1024 * 1024) } } });
      expect(await closed).toBe(1009);
    });

    it('refuses more than 100 operations at once on one socket', async () => {
      const client = await rawClient(GATEWAY_WS, trader.token);
      try {
        for (let i = 0; i < 101; i += 1) {
          client.send({ id: `s${i}`, type: 'subscribe', payload: { query: 'subscription { priceUpdated(market: "BTC-USDT") { price } }' } });
        }
        await waitFor(() => client.frames.some((f) => f.includes('"type":"error"')));
        const errors = client.frames.filter((f) => f.includes('"type":"error"'));
        expect(errors).toHaveLength(1);
        expect(errors[0]).toContain('RATE_LIMITED');
      } finally {
        client.socket.close();
      }
    });

    it('a hostile frame does not close anyone else', async () => {
      const bystander = await rawClient(GATEWAY_WS, trader.token);
      const hostile = new WebSocket(GATEWAY_WS, 'graphql-transport-ws');
      await new Promise((resolve) => hostile.once('open', resolve));
      hostile.send(`{"type": "connection_init", "payload": ${'['.repeat(20000)}${']'.repeat(20000)}}`);
      hostile.send('\u0000\u0001not json');
      await new Promise((resolve) => hostile.once('close', resolve));
      bystander.send({ id: 'b', type: 'subscribe', payload: { query: '{ __typename }' } });
      await waitFor(() => bystander.frames.some((f) => f.includes('"id":"b"') && f.includes('"next"')));
      bystander.socket.close();
    });
  });

  it('leaves the system unharmed', unharmed);
});

describe('numbers and money', () => {
  const badDecimals: unknown[] = [
    '',
    ' ',
    ' 1',
    '1 ',
    '1e5',
    '1E-3',
    'NaN',
    'Infinity',
    '-Infinity',
    '0x10',
    '1,5',
    '1.',
    '.5',
    '00.1',
    '+1',
    '１',
    '1\u0000',
    '9'.repeat(31),
    `0.${'1'.repeat(19)}`,
    '1/2',
    1.5,
    100,
    true,
    [],
    {},
    ['1'],
  ];
  const describeValue = (value: unknown) => JSON.stringify(value)?.slice(0, 40) ?? String(value);

  it.each(badDecimals.map((value) => [describeValue(value), value]))('price %s: refused', async (_name, price) => {
    const answer = await post({ query: PLACE, variables: { input: order({ price }) } }, trader.token);
    expect(verdict(answer, { codes: ['BAD_USER_INPUT'] })).toEqual([]);
  });

  it.each(badDecimals.map((value) => [describeValue(value), value]))('amount %s: refused', async (_name, amount) => {
    const answer = await post({ query: CREDIT, variables: { asset: 'USDT', amount, key: `k-${Math.random()}` } }, trader.token);
    expect(verdict(answer, { codes: ['BAD_USER_INPUT'] })).toEqual([]);
  });

  const engineRefusals: [string, Record<string, unknown>][] = [
    ['a limit order without a price', { price: null }],
    ['zero quantity', { quantity: '0' }],
    ['negative quantity', { quantity: '-1' }],
    ['zero price', { price: '0' }],
    ['negative price', { price: '-100' }],
    ['quantity off the lot', { quantity: '0.0000000001' }],
    ['price off the tick', { price: '100.0000001' }],
    ['quantity beyond any balance', { quantity: '1000000000' }],
    ['price beyond any balance', { price: '999999999999999999999999999999' }],
    ['unknown market', { market: 'NOPE-USDT' }],
    ['market with NUL', { market: 'BTC-USDT\u0000' }],
    ['market in lower case', { market: 'btc-usdt' }],
    ['market as a number', { market: 5 }],
    ['side unknown', { side: 'hold' }],
    ['type unknown', { type: 'magic' }],
    ['stop order without a stop price', { type: 'stop_loss' }],
    ['GTD without expiry', { timeInForce: 'GTD' }],
    ['GTD expiry in the past', { timeInForce: 'GTD', expireAt: '2001-01-01T00:00:00.000Z' }],
    ['expiry not a date', { timeInForce: 'GTD', expireAt: 'tomorrow' }],
    ['expiry out of range', { timeInForce: 'GTD', expireAt: '2026-13-45T99:99:99Z' }],
    ['expiry as a number', { timeInForce: 'GTD', expireAt: 12345 }],
    ['expiry with NUL', { timeInForce: 'GTD', expireAt: '2030-01-01T00:00:00Z\u0000' }],
    ['extra field', { admin: true }],
    ['quoteAmount and quantity together on a limit', { quoteAmount: '10' }],
    ['trailing amount negative', { type: 'trailing_stop', trailingAmount: '-5' }],
    ['display quantity above quantity', { displayQuantity: '5' }],
  ];
  it.each(engineRefusals)('order with %s: refused, nothing changes', async (_name, overrides) => {
    const answer = await post({ query: PLACE, variables: { input: order(overrides) } }, trader.token);
    expect(verdict(answer)).toEqual([]);
  });

  const intArguments: [string, string, unknown][] = [
    ['depth 2^31', 'query ($d: Int!) { orderBook(market: "BTC-USDT", depth: $d) { sequence } }', 2 ** 31],
    ['depth -1', 'query ($d: Int!) { orderBook(market: "BTC-USDT", depth: $d) { sequence } }', -1],
    ['depth 0', 'query ($d: Int!) { orderBook(market: "BTC-USDT", depth: $d) { sequence } }', 0],
    ['depth 1.5', 'query ($d: Int!) { orderBook(market: "BTC-USDT", depth: $d) { sequence } }', 1.5],
    ['depth "5"', 'query ($d: Int!) { orderBook(market: "BTC-USDT", depth: $d) { sequence } }', '5'],
    ['depth 501', 'query ($d: Int!) { orderBook(market: "BTC-USDT", depth: $d) { sequence } }', 501],
    ['first 0', 'query ($d: Int) { myOrders(first: $d) { edges { node { id } } } }', 0],
    ['first -1', 'query ($d: Int) { myOrders(first: $d) { edges { node { id } } } }', -1],
    ['first 1e9', 'query ($d: Int) { myOrders(first: $d) { edges { node { id } } } }', 1e9],
    ['first 1e20', 'query ($d: Int) { myOrders(first: $d) { edges { node { id } } } }', 1e20],
    ['since not a date', 'query ($d: DateTime) { myOrders(since: $d) { edges { node { id } } } }', 'yesterday'],
    ['since a number', 'query ($d: DateTime) { myOrders(since: $d) { edges { node { id } } } }', 17],
    ['since empty', 'query ($d: DateTime) { myOrders(since: $d) { edges { node { id } } } }', ''],
    ['cursor junk', 'query ($d: String) { myOrders(after: $d) { edges { node { id } } } }', '!!!not-a-cursor!!!'],
    ['cursor with NUL', 'query ($d: String) { myOrders(after: $d) { edges { node { id } } } }', 'a\u0000b'],
    ['order id not a number', 'query ($d: ID!) { order(id: $d) { id } }', 'abc'],
    ['order id huge', 'query ($d: ID!) { order(id: $d) { id } }', '9'.repeat(40)],
  ];
  it.each(intArguments)('%s: BAD_USER_INPUT, never an internal error', async (_name, query, value) => {
    const answer = await post({ query, variables: { d: value } }, trader.token);
    expect(verdict(answer, { codes: ['BAD_USER_INPUT', 'QUERY_TOO_COMPLEX'] })).toEqual([]);
  });

  it.each([
    ['a Decimal literal', 'mutation { creditDemoFunds(asset: "USDT", amount: "1e5", idempotencyKey: "lit-1") { available } }'],
    ['a DateTime literal', '{ myOrders(since: "not a date") { edges { node { id } } } }'],
    ['a Decimal literal as a number', 'mutation { creditDemoFunds(asset: "USDT", amount: 5, idempotencyKey: "lit-2") { available } }'],
  ])('%s: refused at the gateway without the subgraph answer', async (_name, query) => {
    const answer = await post({ query }, trader.token);
    expect(verdict(answer, { codes: ['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT'] })).toEqual([]);
    expect(answer.status).toBe(400);
  });

  const badAssets = ['NOPE', 'btc', '', 'USDT\u0000', 'USDT ', 'X'.repeat(500), '../../etc', 'USDT-BTC'];
  it.each(badAssets.map((asset) => [describeValue(asset), asset]))('creditDemoFunds in asset %s: refused', async (_name, asset) => {
    const answer = await post({ query: CREDIT, variables: { asset, amount: '1', key: `k-${Math.random()}` } }, trader.token);
    expect(verdict(answer, { codes: ['BAD_USER_INPUT'] })).toEqual([]);
  });

  it.each(['NOPE-USDT', 'BTC', 'btc-usdt', 'BTC-USDT\u0000', ''])('price alert on market %j: refused', async (market) => {
    const answer = await post({ query: 'mutation ($m: String!) { createPriceAlert(market: $m, condition: above, price: "1") { id } }', variables: { m: market } }, trader.token);
    expect(verdict(answer, { codes: ['BAD_USER_INPUT'] })).toEqual([]);
  });

  it('caps active price alerts per user', async () => {
    const user = await signUp();
    const create = () => gql('mutation { createPriceAlert(market: "BTC-USDT", condition: above, price: "1000000") { id } }', {}, { token: user.token });
    for (let batch = 0; batch < 10; batch += 1) {
      const results = await Promise.all(Array.from({ length: 10 }, create));
      for (const result of results) expect(result.errors).toBeUndefined();
    }
    const over = await create();
    expect(over.errors?.[0].extensions?.code).toBe('LIMIT_EXCEEDED');
  });

  it('leaves the system unharmed', unharmed);
});

describe('strings meant to crash or leak', () => {
  const strings: [string, string][] = [
    ['NUL', '\u0000'],
    ['NUL inside', 'ab\u0000cd'],
    ['SOH', '\u0001'],
    ['escape sequence', '\u001b[31mred'],
    ['DEL', 'a\u007f'],
    ['lone high surrogate', 'a\ud800'],
    ['lone low surrogate', '\udfffb'],
    ['backspace', 'a\bb'],
    ['vertical tab', 'a\u000bb'],
  ];
  const fields: [string, (s: string) => unknown, boolean][] = [
    ['placeOrder clientOrderId', (s) => ({ query: PLACE, variables: { input: order({ clientOrderId: s }) } }), true],
    ['cancelOrder clientOrderId', (s) => ({ query: CANCEL, variables: { c: s } }), true],
    ['creditDemoFunds idempotencyKey', (s) => ({ query: CREDIT, variables: { asset: 'USDT', amount: '1', key: s } }), true],
    ['signUp email', (s) => ({ query: 'mutation ($e: String!) { signUp(email: $e, password: "correct horse battery") { accessToken } }', variables: { e: `x${s}@example.com` } }), false],
    ['login email', (s) => ({ query: 'mutation ($e: String!) { login(email: $e, password: "correct horse battery") { __typename } }', variables: { e: `x${s}@example.com` } }), false],
    ['orderBook market', (s) => ({ query: 'query ($m: String!) { orderBook(market: $m) { sequence } }', variables: { m: `BTC${s}` } }), false],
    ['market symbol', (s) => ({ query: 'query ($m: String!) { market(symbol: $m) { symbol } }', variables: { m: `BTC${s}` } }), false],
    ['an unused variable', (s) => ({ query: 'query ($m: String) { __typename }', variables: { m: s } }), false],
    ['a variable key', (s) => ({ query: '{ __typename }', variables: { [`k${s}`]: 1 } }), false],
  ];
  const cases = fields.flatMap(([field, body, trades]) => strings.map(([name, s]): [string, unknown, boolean] => [`${field} with ${name}`, body(s), trades]));
  it.each(cases)('%s: BAD_USER_INPUT, no crash', async (_name, body) => {
    const answer = await post(body, trader.token);
    expect(verdict(answer, { codes: ['BAD_USER_INPUT'] })).toEqual([]);
  });

  const literals: [string, string][] = [
    ['NUL in a clientOrderId literal', 'mutation { cancelOrder(clientOrderId: "a\\u0000b") { status } }'],
    ['lone surrogate in a literal', 'mutation { cancelOrder(clientOrderId: "a\\ud800") { status } }'],
    ['NUL in a block string', 'mutation { cancelOrder(clientOrderId: """a\u0000b""") { status } }'],
    ['control character in an email literal', 'mutation { login(email: "a\\u0007@b.c", password: "x") { __typename } }'],
  ];
  it.each(literals)('%s: BAD_USER_INPUT or a parse error, no crash', async (_name, query) => {
    const answer = await post({ query }, trader.token);
    expect(verdict(answer, { codes: ['BAD_USER_INPUT', 'GRAPHQL_PARSE_FAILED'] })).toEqual([]);
  });

  const identifiers: [string, string][] = [
    ['too long', 'x'.repeat(65)],
    ['with a space', 'a b'],
    ['empty', ''],
    ['emoji', 'order-💥'],
    ['newline', 'a\nb'],
  ];
  it.each(identifiers)('clientOrderId %s: BAD_USER_INPUT', async (_name, clientOrderId) => {
    const answer = await post({ query: PLACE, variables: { input: order({ clientOrderId }) } }, trader.token);
    expect(verdict(answer, { codes: ['BAD_USER_INPUT'] })).toEqual([]);
  });

  it('matching never logged a failed journal write', () => {
    const fatal = logLines('matching').filter((line) => line.level >= 60 || /journal write failed/.test(String(line.msg)));
    expect(fatal).toEqual([]);
  });

  it('leaves the system unharmed', unharmed);
});

describe('subscriptions', () => {
  const PRICE = 'subscription { priceUpdated(market: "BTC-USDT") { price } }';
  /**
   * Frames sent after connection_ack, and what must come back: an error (an `error` frame, or a
   * `next` whose result holds only errors, as for a resolver's refusal), or the socket closed by
   * graphql-ws with a 44xx code, or by the size limit with 1009.
   */
  const cases: [string, unknown[], 'error' | 'close' | 'too big'][] = [
    ['unknown market', [{ id: '1', type: 'subscribe', payload: { query: 'subscription { priceUpdated(market: "NOPE-USDT") { price } }' } }], 'error'],
    ['market with NUL', [{ id: '1', type: 'subscribe', payload: { query: 'subscription ($m: String!) { priceUpdated(market: $m) { price } }', variables: { m: 'BTC\u0000' } } }], 'error'],
    ['unknown field', [{ id: '1', type: 'subscribe', payload: { query: 'subscription { nope }' } }], 'error'],
    ['two root fields', [{ id: '1', type: 'subscribe', payload: { query: 'subscription { priceUpdated(market: "BTC-USDT") { price } tradesExecuted(market: "BTC-USDT") { price } }' } }], 'error'],
    ['syntax error', [{ id: '1', type: 'subscribe', payload: { query: 'subscription {' } }], 'error'],
    ['query is a number', [{ id: '1', type: 'subscribe', payload: { query: 5 } }], 'close'],
    ['no payload', [{ id: '1', type: 'subscribe' }], 'close'],
    ['no id', [{ type: 'subscribe', payload: { query: PRICE } }], 'close'],
    ['id is an object', [{ id: { a: 1 }, type: 'subscribe', payload: { query: PRICE } }], 'close'],
    ['unknown message type', [{ id: '1', type: 'explode' }], 'close'],
    ['second connection_init', [{ type: 'connection_init', payload: {} }], 'close'],
    ['duplicate subscription id', [{ id: '1', type: 'subscribe', payload: { query: PRICE } }, { id: '1', type: 'subscribe', payload: { query: PRICE } }], 'close'],
    ['variables a string', [{ id: '1', type: 'subscribe', payload: { query: PRICE, variables: 'x' } }], 'close'],
    ['operationName unknown', [{ id: '1', type: 'subscribe', payload: { query: PRICE, operationName: 'Nope' } }], 'error'],
    ['two operations without a name', [{ id: '1', type: 'subscribe', payload: { query: `${PRICE} subscription B { tradesExecuted(market: "BTC-USDT") { price } }` } }], 'error'],
    ['mutation without credentials scope', [{ id: '1', type: 'subscribe', payload: { query: 'mutation { placeOrder(input: {market: "BTC-USDT", side: buy, type: limit, price: "0", quantity: "0", clientOrderId: "ws-0"}) { id } }' } }], 'error'],
    ['Decimal literal that is not one', [{ id: '1', type: 'subscribe', payload: { query: 'mutation { creditDemoFunds(asset: "USDT", amount: "1e9", idempotencyKey: "ws-1") { available } }' } }], 'error'],
    ['depth over the limit', [{ id: '1', type: 'subscribe', payload: { query: `subscription { myOrderUpdates { market { orderBook { bids { price } } } user { referrals { edges { node { referrals { edges { node { referrals { edges { node { id } } } } } } } } } } } }` } }], 'error'],
    ['200 aliases', [{ id: '1', type: 'subscribe', payload: { query: `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: __typename`).join(' ')} }` } }], 'error'],
    ['a very long id', [{ id: 'x'.repeat(300_000), type: 'subscribe', payload: { query: PRICE } }], 'too big'],
    ['a 5 MB query', [{ id: '1', type: 'subscribe', payload: { query: `{ __typename ${' '.repeat(5_000_000)}}` } }], 'too big'],
    ['not JSON', ['{"type": '], 'close'],
    ['JSON array', ['[1,2,3]'], 'close'],
    ['binary junk', [Buffer.from([0xff, 0x00, 0xfe])], 'close'],
    ['deep JSON', [`{"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }", "variables": {"a": ${deepArrays(20000)}}}}`], 'error'],
  ];
  it.each(cases)('%s: refused, nothing internal shown, others unaffected', async (_name, frames, outcome) => {
    const client = await rawClient(GATEWAY_WS, trader.token);
    const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
    for (const frame of frames) client.socket.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
    const isRefusal = (f: string) => f.includes('"type":"error"') || (f.includes('"type":"next"') && f.includes('"errors"') && !/"data":\{/.test(f));
    if (outcome === 'error') {
      await waitFor(() => client.frames.some(isRefusal));
      const error = client.frames.find(isRefusal)!;
      expect(leaksIn(error)).toEqual([]);
      expect(error).not.toMatch(/INTERNAL_SERVER_ERROR/);
      client.socket.close();
    } else if (outcome === 'too big') {
      expect(await closed).toBe(1009);
    } else {
      const code = await closed;
      expect(code).toBeGreaterThanOrEqual(4000);
      expect(code).toBeLessThan(4500);
    }
    expect(client.frames.filter((f) => leaksIn(f).length > 0)).toEqual([]);
  });

  it('leaves the system unharmed', unharmed);
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
