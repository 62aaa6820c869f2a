import { randomUUID } from 'node:crypto';
import { collect, gql, scrape, signUp, wsClient, type TestUser } from '../harness/client';
import { GATEWAY_HTTP, GATEWAY_URL } from '../harness/env';

// Per-operation figures in the gateway's /metrics (gateway/src/ops/operation-metrics.ts): every path a
// request can take — the response cache's fast path, the lean path, forwarded mutations, Apollo
// Server's pipeline, WebSocket queries and subscriptions — counts its operations, their latency
// and their error codes. Operation names here are this file's own, so other test files running
// against the same gateway do not move these series.
const suffix = randomUUID().replace(/-/g, '').slice(0, 8);
const name = (what: string) => `OpMetrics${what}${suffix}`;
const series = (operation: string, type: string) => `operation="${operation}",type="${type}"`;

describe('per-operation metrics at the gateway', () => {
  let trader: TestUser;
  beforeAll(async () => {
    trader = await signUp();
  });

  it('counts queries on the fast path, the lean path and the pipeline, with their latency', async () => {
    const markets = name('Markets');
    const viaGet = name('Get');
    const hitsBefore = (await scrape(GATEWAY_URL))('gateway_response_cache_fast_hits_total');
    // A public query: the first goes through an executor and is cached, the next are cache hits.
    for (let i = 0; i < 3; i++) expect((await gql(`query ${markets} { markets { edges { node { symbol } } } }`)).errors).toBeUndefined();
    // A GET goes through express and Apollo Server's pipeline.
    const response = await fetch(`${GATEWAY_HTTP}?query=${encodeURIComponent(`query ${viaGet} { markets { edges { node { symbol } } } }`)}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    const sample = await scrape(GATEWAY_URL);
    // The second and third were answered by the fast path from the cache (others' hits may add to it).
    expect(sample('gateway_response_cache_fast_hits_total')).toBeGreaterThanOrEqual(hitsBefore + 2);
    expect(sample('gateway_operations_total', series(markets, 'query'))).toBe(3);
    expect(sample('gateway_operation_duration_seconds_count', series(markets, 'query'))).toBe(3);
    expect(sample('gateway_operation_duration_seconds_sum', series(markets, 'query'))).toBeGreaterThan(0);
    expect(sample('gateway_operations_total', series(viaGet, 'query'))).toBe(1);
    expect(sample('gateway_operation_duration_seconds_count', series(viaGet, 'query'))).toBe(1);
    expect(sample('gateway_operation_errors_total', `operation="${markets}"`)).toBe(0);
  });

  it('counts mutations and their errors by code, on the forwarded path and through the executor', async () => {
    const place = name('Place');
    const mine = name('Mine');
    const order = (market: string) => ({ input: { market, side: 'buy', type: 'limit', price: '100', quantity: '0.1', clientOrderId: randomUUID() } });
    const mutation = `mutation ${place}($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`;
    // Refused by matching: no funds, and an unknown market.
    const poor = await gql(mutation, order('BTC-USDT'), { token: trader.token });
    expect(poor.errors?.[0].extensions?.code).toBe('INSUFFICIENT_FUNDS');
    const unknown = await gql(mutation, order('NOPE-USDT'), { token: trader.token });
    expect(unknown.errors?.[0].extensions?.code).toBe('UNKNOWN_MARKET');
    // Without a token: refused before it runs.
    const anonymous = await gql(`query ${mine} { myBalances { asset } }`);
    const anonymousCode = anonymous.errors?.[0].extensions?.code;
    expect(anonymousCode).toBe('UNAUTHENTICATED');
    const sample = await scrape(GATEWAY_URL);
    expect(sample('gateway_operations_total', series(place, 'mutation'))).toBe(2);
    expect(sample('gateway_operation_errors_total', `${series(place, 'mutation')},code="INSUFFICIENT_FUNDS"`)).toBe(1);
    expect(sample('gateway_operation_errors_total', `${series(place, 'mutation')},code="UNKNOWN_MARKET"`)).toBe(1);
    expect(sample('gateway_operations_total', series(mine, 'query'))).toBe(1);
    expect(sample('gateway_operation_errors_total', `${series(mine, 'query')},code="UNAUTHENTICATED"`)).toBe(1);
  });

  it('collapses what is not a named operation: parse failures are (unknown), unnamed operations (anonymous)', async () => {
    const before = await scrape(GATEWAY_URL);
    const unknownErrors = `operation="(unknown)",type="unknown",code="GRAPHQL_PARSE_FAILED"`;
    const anonymous = series('(anonymous)', 'query');
    expect((await gql('query Broken {')).errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect((await gql('{ markets { edges { node { symbol } } } }')).errors).toBeUndefined();
    const after = await scrape(GATEWAY_URL);
    // Other test files use the same gateway, so these shared series move at least by ours.
    expect(after('gateway_operation_errors_total', unknownErrors)).toBeGreaterThanOrEqual(before('gateway_operation_errors_total', unknownErrors) + 1);
    expect(after('gateway_operations_total', anonymous)).toBeGreaterThanOrEqual(before('gateway_operations_total', anonymous) + 1);
    // The client's text never becomes a label.
    const text = await (await fetch(`${GATEWAY_URL}/metrics`)).text();
    expect(text).not.toContain('Broken');
  });

  it('counts WebSocket queries, subscriptions and refused operations', async () => {
    const overWs = name('Ws');
    const ticks = name('Ticks');
    const before = await scrape(GATEWAY_URL);
    const refused = `operation="(unknown)",type="unknown",code="GRAPHQL_VALIDATION_FAILED"`;
    const client = wsClient(trader.token);
    try {
      const query = collect(client, `query ${overWs} { markets { edges { node { symbol } } } }`);
      await query.waitFor(1);
      expect(query.results[0].errors).toBeUndefined();
      const subscription = collect(client, `subscription ${ticks} { priceUpdated(market: "BTC-USDT") { price } }`);
      const invalid = collect(client, 'subscription { noSuchField }');
      await invalid.waitFor(1);
      expect(invalid.error).toBeDefined();
      // The subscription counts once it has started upstream; wait until the gateway says so.
      const deadline = Date.now() + 10000;
      let sample = await scrape(GATEWAY_URL);
      while (sample('gateway_operations_total', series(ticks, 'subscription')) === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        sample = await scrape(GATEWAY_URL);
      }
      subscription.unsubscribe();
      expect(sample('gateway_operations_total', series(overWs, 'query'))).toBe(1);
      expect(sample('gateway_operation_duration_seconds_count', series(overWs, 'query'))).toBe(1);
      expect(sample('gateway_operations_total', series(ticks, 'subscription'))).toBe(1);
      // A subscription lasts: it has no latency sample.
      expect(sample('gateway_operation_duration_seconds_count', series(ticks, 'subscription'))).toBe(0);
      expect(sample('gateway_operation_errors_total', refused)).toBeGreaterThanOrEqual(before('gateway_operation_errors_total', refused) + 1);
    } finally {
      await client.dispose();
    }
  });
});
