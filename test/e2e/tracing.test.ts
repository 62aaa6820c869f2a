import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { collect, credit as creditAt, eventually, gql as gqlAt, metric, signUp as signUpAt, wsClient, type TestUser } from '../harness/client';
import { ownSystem, startOwnSystem } from '../harness/env';

// OpenTelemetry tracing (shared/src/tracing.ts): a system of its own exports its spans over
// OTLP/HTTP (JSON) to a collector inside this test, and one placeOrder through the gateway must
// make one connected trace — the gateway's request, its fetch to matching, matching's request
// and matching's PostgreSQL and Redis work under it — carrying the request id.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(6700, 'tracing');
const GATEWAY_URL = `http://127.0.0.1:${PORT_BASE}`;
const GATEWAY_HTTP = `${GATEWAY_URL}/graphql`;

/** One span as the collector received it, with its process's service name. */
interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}
const SERVER = 2;
const CLIENT = 3;

/** Plain values of OTLP/JSON attributes (`{ key, value: { stringValue | intValue | boolValue … } }`). */
function attributesOf(list: { key: string; value: Record<string, unknown> }[] = []): Record<string, unknown> {
  return Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));
}

/** A minimal OTLP/HTTP JSON trace receiver on loopback: keeps every span it is sent. */
function startCollector(): Promise<{ url: string; spans: CollectedSpan[]; requests: () => number; close(): Promise<void> }> {
  const spans: CollectedSpan[] = [];
  let requests = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests += 1;
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(400).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name']);
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? []) {
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? '',
              name: span.name,
              kind: span.kind,
              attributes: attributesOf(span.attributes),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        spans,
        requests: () => requests,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    ),
  );
}

let collector: Awaited<ReturnType<typeof startCollector>>;
let system: { stop(): Promise<void> };
beforeAll(async () => {
  collector = await startCollector();
  system = await startOwnSystem(PORT_BASE, DATABASE, {
    services: ['accounts', 'markets', 'matching'],
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // Spans leave within 100 ms instead of 5 s, so the test need not wait long.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  });
}, 120000);
afterAll(async () => {
  await system?.stop();
  await collector?.close();
});

const gql = (query: string, variables: Record<string, unknown>, options: { token?: string; reqId?: string } = {}) =>
  gqlAt(query, variables, { ...options, url: GATEWAY_HTTP });
const PLACE = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }';
const order = (price: string) => ({ input: { market: 'BTC-USDT', side: 'buy', type: 'limit', price, quantity: '0.01', clientOrderId: randomUUID() } });

const REQUEST_ID = 'tradegraph.request_id';
const isPostgres = (span: CollectedSpan) => span.attributes['db.system'] === 'postgresql' || span.attributes['db.system.name'] === 'postgresql';
const isRedis = (span: CollectedSpan) => span.attributes['db.system'] === 'redis' || span.attributes['db.system.name'] === 'redis';

/** Every span of the trace that the gateway's request `reqId` started, once that trace is whole (every parent present). */
function traceOf(reqId: string, complete: (spans: CollectedSpan[]) => boolean): Promise<{ root: CollectedSpan; spans: CollectedSpan[] }> {
  return eventually(async () => {
    const roots = collector.spans.filter((s) => s.service === 'gateway' && s.attributes[REQUEST_ID] === reqId);
    if (roots.length !== 1) throw new Error(`${roots.length} gateway spans carry request id ${reqId}`);
    const spans = collector.spans.filter((s) => s.traceId === roots[0].traceId);
    const ids = new Set(spans.map((s) => s.spanId));
    const orphans = spans.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId));
    if (orphans.length > 0) throw new Error(`spans whose parent has not arrived: ${orphans.map((s) => `${s.service} ${s.name}`).join(', ')}`);
    if (!complete(spans)) throw new Error(`trace of ${reqId} not complete yet: ${spans.map((s) => `${s.service} ${s.name}`).join(', ')}`);
    return { root: roots[0], spans };
  }, 20000);
}

/** Whether `ancestor` is on the way from `span` up to its trace's root. */
function isUnder(span: CollectedSpan, ancestor: CollectedSpan, spans: CollectedSpan[]): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (let at = byId.get(span.parentSpanId); at; at = byId.get(at.parentSpanId)) if (at === ancestor) return true;
  return false;
}

describe('traces', () => {
  let trader: TestUser;
  beforeAll(async () => {
    trader = await signUpAt(GATEWAY_HTTP);
    await creditAt(trader.token, 'USDT', '100000', GATEWAY_HTTP);
  });

  it('one placeOrder makes one connected trace from the gateway through matching to PostgreSQL and Redis', async () => {
    const reqId = `trace-${randomUUID()}`;
    const placed = await gql(PLACE, order('60000'), { token: trader.token, reqId });
    expect(placed.errors).toBeUndefined();

    const matchingServer = (spans: CollectedSpan[]) => spans.find((s) => s.service === 'matching' && s.kind === SERVER);
    const { root, spans } = await traceOf(reqId, (all) => {
      const server = matchingServer(all);
      return !!server && all.some((s) => isPostgres(s) && isUnder(s, server, all)) && all.some((s) => isRedis(s) && isUnder(s, server, all));
    });

    // The trace starts at the gateway's HTTP request, which names the operation and carries the request id.
    expect(root.parentSpanId).toBe('');
    expect(root.kind).toBe(SERVER);
    expect(root.attributes['graphql.operation.name']).toBe('Place');
    expect(root.attributes['graphql.operation.type']).toBe('mutation');
    // Every span of it is the gateway's or matching's, and hangs off that root.
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['gateway', 'matching']));
    for (const span of spans) if (span !== root) expect(isUnder(span, root, spans)).toBe(true);

    // matching's request continues the gateway's fetch to it, with the same request id.
    const server = matchingServer(spans) as CollectedSpan;
    expect(server.attributes[REQUEST_ID]).toBe(reqId);
    const fetch = spans.find((s) => s.spanId === server.parentSpanId) as CollectedSpan;
    expect(fetch.service).toBe('gateway');
    expect(fetch.kind).toBe(CLIENT);
    // The order's journal write is a PostgreSQL span of matching's, and its events Redis spans, under that request.
    const queries = spans.filter((s) => isPostgres(s) && s.service === 'matching');
    expect(queries.some((s) => String(s.attributes['db.statement'] ?? s.attributes['db.query.text']).includes('matching.journal'))).toBe(true);
    // (The gateway's own Redis commands, its rate limits, hang off its root like everything else.)
    const matchingRedis = spans.filter((s) => isRedis(s) && s.service === 'matching');
    expect(matchingRedis.length).toBeGreaterThan(0);
    expect(matchingRedis.every((s) => isUnder(s, server, spans))).toBe(true);

    // One operation, one trace: no other trace carries this request id.
    const withId = collector.spans.filter((s) => s.attributes[REQUEST_ID] === reqId);
    expect(new Set(withId.map((s) => s.traceId)).size).toBe(1);
  });

  it('fetches that travel to matching in one batch keep a trace each', async () => {
    // Orders from many callers at once, until some went to matching together (the gateway read
    // several of them in one turn of its loop; with 40 at once that is the first round, as a rule).
    const reqIds: string[] = [];
    for (let round = 0; round < 5; round++) {
      const batchedBefore = await metric(GATEWAY_URL, 'gateway_subgraph_batched_fetches_total');
      const sent = Array.from({ length: 40 }, (_, i) => `batched-${round}-${i}-${randomUUID()}`);
      const answers = await Promise.all(sent.map((reqId) => gql(PLACE, order('59000'), { token: trader.token, reqId })));
      for (const answer of answers) expect(answer.errors).toBeUndefined();
      reqIds.push(...sent);
      if ((await metric(GATEWAY_URL, 'gateway_subgraph_batched_fetches_total')) > batchedBefore) break;
    }

    let batched = 0;
    for (const reqId of reqIds) {
      const { root, spans } = await traceOf(reqId, (all) => all.some((s) => s.service === 'matching' && s.kind === SERVER));
      const server = spans.find((s) => s.service === 'matching' && s.kind === SERVER) as CollectedSpan;
      // matching served this request under this trace, and knew it by its own request id.
      expect(server.attributes[REQUEST_ID]).toBe(reqId);
      expect(isUnder(server, root, spans)).toBe(true);
      const fetch = spans.find((s) => s.spanId === server.parentSpanId) as CollectedSpan;
      expect(fetch).toMatchObject({ service: 'gateway', kind: CLIENT });
      if (server.attributes['tradegraph.batched'] === true) batched += 1;
    }
    expect(batched).toBeGreaterThan(0);
  });

  it('a query over the WebSocket gets a trace of its own, through matching', async () => {
    const client = wsClient(trader.token, `${GATEWAY_URL.replace(/^http/, 'ws')}/graphql`);
    try {
      const balances = collect(client, 'query WsBalances { myBalances { asset available } }');
      await balances.waitFor(1);
      expect(balances.results[0].errors).toBeUndefined();
    } finally {
      await client.dispose();
    }
    const { spans } = await eventually(async () => {
      const root = collector.spans.find((s) => s.service === 'gateway' && s.attributes['graphql.operation.name'] === 'WsBalances');
      if (!root) throw new Error('no span of the WebSocket query yet');
      const trace = collector.spans.filter((s) => s.traceId === root.traceId);
      if (!trace.some((s) => s.service === 'matching' && s.kind === SERVER)) throw new Error('matching has not reported its part yet');
      if (!trace.some((s) => s.parentSpanId === '')) throw new Error(`the root has not arrived yet; spans so far: ${JSON.stringify(trace.map((s) => [s.service, s.name, s.kind, s.spanId.slice(0, 6), s.parentSpanId.slice(0, 6), s.attributes['graphql.operation.name']]))}`);
      return { spans: trace };
    }, 20000);
    const root = spans.find((s) => s.parentSpanId === '') as CollectedSpan;
    expect(root).toMatchObject({ service: 'gateway', kind: SERVER, name: 'query over WebSocket' });
    expect(root.attributes['graphql.operation.name']).toBe('WsBalances');
    const server = spans.find((s) => s.service === 'matching' && s.kind === SERVER) as CollectedSpan;
    expect(isUnder(server, root, spans)).toBe(true);
    expect(server.attributes[REQUEST_ID]).toBe(root.attributes[REQUEST_ID]);
  });
});
