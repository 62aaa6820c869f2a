import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { keepAliveClient } from '../src/execution/fetcher';
import { SubgraphBatcher } from '../src/execution/subgraph-batch';

// The gateway's side of subgraph batching (subgraph-batch.ts) against a local HTTP server that
// answers the batch path in the ways a subgraph or what stands in front of it could: the e2e test
// (test/e2e/subgraph-batch.test.ts) covers real subgraphs; this covers the failures they never
// produce on purpose. `mode` picks the server's behaviour for the batch path.
let mode: 'answer' | 'missing' | 'unknown-path' | 'cut' | 'drop' = 'answer';
let server: http.Server;
let url: string;
const batchesReceived: { requests: { headers: Record<string, string>; body: { query: string } }[] }[] = [];
const singlesReceived: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      if (req.url === '/graphql') {
        singlesReceived.push(text);
        res.setHeader('content-type', 'application/json');
        return void res.end(JSON.stringify({ data: { single: JSON.parse(text).query } }));
      }
      if (mode === 'drop') return void req.socket.destroy();
      if (mode === 'unknown-path') {
        res.statusCode = 404;
        return void res.end('Cannot POST /graphql/batch');
      }
      const batch = JSON.parse(text);
      batchesReceived.push(batch);
      res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
      // Answers in reverse order, the first of them split across two writes.
      const answers = batch.requests.map(
        (request: { headers: Record<string, string>; body: { query: string } }, index: number) =>
          `${JSON.stringify({ index, status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { q: request.body.query, auth: request.headers.authorization ?? null } }) })}\n`,
      );
      const [last, ...rest] = answers.reverse();
      res.write(last.slice(0, 10));
      res.write(last.slice(10));
      if (mode === 'cut') return void setTimeout(() => req.socket.destroy(), 20);
      if (mode === 'answer') for (const answer of rest) res.write(answer);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  mode = 'answer';
  batchesReceived.length = 0;
  singlesReceived.length = 0;
});

const post = (query: string, token?: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify({ query }),
});
const json = async (response: Awaited<ReturnType<SubgraphBatcher['fetch']>>) => [response.status, JSON.parse(await response.text())];

describe('SubgraphBatcher', () => {
  it('sends fetches made together as one batch, each with its own headers, and hands each its own answer', async () => {
    const batcher = new SubgraphBatcher(keepAliveClient(), 64);
    const answers = await Promise.all(['{ a }', '{ b }', '{ c }'].map((q, i) => batcher.fetch(url, post(q, `t${i}`)).then(json)));
    expect(answers).toEqual([
      [200, { data: { q: '{ a }', auth: 'Bearer t0' } }],
      [200, { data: { q: '{ b }', auth: 'Bearer t1' } }],
      [200, { data: { q: '{ c }', auth: 'Bearer t2' } }],
    ]);
    expect(batchesReceived).toHaveLength(1);
    expect(singlesReceived).toHaveLength(0);
    expect(batcher.stats).toEqual({ batches: 1, batchedFetches: 3 });
    // A lone fetch goes as an ordinary request; so does every fetch when batching is off.
    expect(await json(await batcher.fetch(url, post('{ alone }')))).toEqual([200, { data: { single: '{ alone }' } }]);
    const off = new SubgraphBatcher(keepAliveClient(), 1);
    await Promise.all([off.fetch(url, post('{ x }')), off.fetch(url, post('{ y }'))]);
    expect(singlesReceived).toHaveLength(3);
    expect(batchesReceived).toHaveLength(1);
  });

  it('keeps batches within the largest size', async () => {
    const batcher = new SubgraphBatcher(keepAliveClient(), 2);
    await Promise.all(['1', '2', '3', '4', '5'].map((q) => batcher.fetch(url, post(`{ f${q} }`))));
    // 2 + 2 in batches, the fifth alone.
    expect(batchesReceived.map((b) => b.requests.length)).toEqual([2, 2]);
    expect(singlesReceived).toHaveLength(1);
  });

  it('asks one request at a time, from then on, a subgraph that has no batch path', async () => {
    mode = 'unknown-path';
    const batcher = new SubgraphBatcher(keepAliveClient(), 64);
    const first = await Promise.all([batcher.fetch(url, post('{ a }')), batcher.fetch(url, post('mutation { b }'))].map((p) => p.then(json)));
    expect(first).toEqual([
      [200, { data: { single: '{ a }' } }],
      [200, { data: { single: 'mutation { b }' } }],
    ]);
    await Promise.all([batcher.fetch(url, post('{ c }')), batcher.fetch(url, post('{ d }'))]);
    expect(singlesReceived).toHaveLength(4);
    expect(batcher.stats.batches).toBe(0);
  });

  it('gives a request the subgraph never answered an error of its own, and fails those cut off, keeping answers already in', async () => {
    mode = 'missing';
    const batcher = new SubgraphBatcher(keepAliveClient(), 64);
    const missing = await Promise.all([batcher.fetch(url, post('{ a }')), batcher.fetch(url, post('{ b }'))].map((p) => p.then(json)));
    // Only the last request's answer came (the server answers in reverse order).
    expect(missing[1]).toEqual([200, { data: { q: '{ b }', auth: null } }]);
    expect(missing[0][0]).toBe(502);

    mode = 'cut';
    const cut = [batcher.fetch(url, post('{ c }')), batcher.fetch(url, post('{ d }'))].map((p) => p.then(json, (error: Error) => error));
    const [c, d] = await Promise.all(cut);
    expect(d).toEqual([200, { data: { q: '{ d }', auth: null } }]);
    expect(c).toBeInstanceOf(Error);
  });

  it('sends a batch of queries once more when its connection dies under it, but never one holding a mutation', async () => {
    mode = 'drop';
    const batcher = new SubgraphBatcher(keepAliveClient(), 64);
    let attempts = 0;
    server.on('request', (req) => req.url === '/graphql/batch' && (attempts += 1));
    const queries = await Promise.allSettled([batcher.fetch(url, post('{ a }')), batcher.fetch(url, post('{ b }'))]);
    expect(queries.map((q) => q.status)).toEqual(['rejected', 'rejected']);
    expect(attempts).toBe(2);
    attempts = 0;
    const withMutation = await Promise.allSettled([batcher.fetch(url, post('{ a }')), batcher.fetch(url, post('mutation { b }'))]);
    expect(withMutation.map((q) => q.status)).toEqual(['rejected', 'rejected']);
    expect(attempts).toBe(1);
  });
});
