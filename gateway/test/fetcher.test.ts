import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { keepAliveClient } from '../src/execution/fetcher';

// The gateway's subgraph client (fetcher.ts) against a real local HTTP server: what it hands the
// data source, and what it does when a kept-alive connection dies under a request.
let server: http.Server;
let url: string;
/** The second request on any connection is dropped unanswered, like a server closing an idle connection. */
let dropSecondOnConnection = false;
const received: string[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push(body);
      const socket = req.socket as typeof req.socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      if (dropSecondOnConnection && socket.served === 2) return void socket.destroy();
      res.statusCode = body.includes('refuse') ? 400 : 200;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('cache-control', 'max-age=5, public');
      res.end(JSON.stringify({ data: { echo: body.length, auth: req.headers.authorization ?? null } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
afterEach(() => {
  dropSecondOnConnection = false;
});

const post = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body });

describe('keepAliveClient', () => {
  it('answers with the status, reason, headers and body the subgraph sent', async () => {
    const { fetch: fetcher } = keepAliveClient();
    const body = JSON.stringify({ query: '{ a }' });
    const ok = await fetcher(url, post(body));
    expect(ok.status).toBe(200);
    expect(ok.ok).toBe(true);
    expect(ok.statusText).toBe('OK');
    expect(ok.headers.get('Cache-Control')).toBe('max-age=5, public');
    expect(await ok.clone().json()).toEqual({ data: { echo: body.length, auth: 'Bearer t' } });
    expect(await ok.text()).toBe(JSON.stringify({ data: { echo: body.length, auth: 'Bearer t' } }));
    const refused = await fetcher(url, post(JSON.stringify({ query: '{ refuse }' })));
    expect([refused.status, refused.ok, refused.statusText]).toEqual([400, false, 'Bad Request']);
  });

  it('sends a query once more when its kept-alive connection dies under it, but never a mutation', async () => {
    const { fetch: fetcher } = keepAliveClient({ connections: 1 });
    dropSecondOnConnection = true;
    const query = JSON.stringify({ query: '{ again }' });
    expect((await fetcher(url, post(query))).status).toBe(200);
    const before = received.length;
    // The connection is reused and dropped: the query goes again on a new one.
    expect((await fetcher(url, post(query))).status).toBe(200);
    expect(received.length).toBe(before + 2);

    // On a connection of its own: the first mutation is answered, the second dropped and not resent.
    const { fetch: mutations } = keepAliveClient({ connections: 1 });
    const mutation = JSON.stringify({ query: 'mutation { once }' });
    expect((await mutations(url, post(mutation))).status).toBe(200);
    const beforeMutation = received.length;
    await expect(mutations(url, post(mutation))).rejects.toThrow('other side closed');
    expect(received.length).toBe(beforeMutation + 1);
  });
});
