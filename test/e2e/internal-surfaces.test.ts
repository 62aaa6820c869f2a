import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { gql, signUp } from '../harness/client';
import { GATEWAY_URL, INTERNAL_HEADERS, PORT_BASE, SUBGRAPH_PORT_OFFSET, subgraphUrl } from '../harness/env';

// Subgraphs and internal routes are for the gateway and the system's own processes only: each
// refuses a request without the internal credential (shared/src/internal-token.ts), whatever
// address it comes from, and every process listens on loopback unless BIND_HOST says otherwise.
type Subgraph = keyof typeof SUBGRAPH_PORT_OFFSET;
const SUBGRAPHS = Object.keys(SUBGRAPH_PORT_OFFSET) as Subgraph[];
const WRONG = { 'x-internal-token': 'not-the-token-but-just-as-long-as-the-real-one-is' };

async function status(url: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.text() };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  status(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** Whether a WebSocket upgrade to `url` is accepted: 'open', or the HTTP status it was refused with. */
function upgrade(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });
}

/** The addresses the system's processes listen on (TCP LISTEN sockets on their ports, from /proc). */
function listeningAddresses(ports: number[]): Map<number, string[]> {
  const found = new Map<number, string[]>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || fields[3] !== '0A') continue; // 0A = LISTEN
      const [address, portHex] = fields[1].split(':');
      const port = parseInt(portHex, 16);
      if (!ports.includes(port)) continue;
      found.set(port, [...(found.get(port) ?? []), address]);
    }
  }
  return found;
}

describe('internal surfaces', () => {
  it('every subgraph refuses GraphQL without the internal credential, by every path, and answers with it', async () => {
    const user = await signUp();
    const entities = {
      query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }',
      variables: { r: [{ __typename: 'User', id: user.id }] },
    };
    for (const subgraph of SUBGRAPHS) {
      const url = `${subgraphUrl(subgraph)}/graphql`;
      const bearer = { authorization: `Bearer ${user.token}` };
      for (const headers of [{}, WRONG, bearer, { ...bearer, 'x-forwarded-for': '203.0.113.9' }]) {
        const refused = await post(url, { query: '{ __typename }' }, headers);
        expect({ subgraph, status: refused.status }).toEqual({ subgraph, status: 401 });
        expect(JSON.parse(refused.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
        // No entity lookups (a user-id existence oracle), no batches, no GET either.
        expect((await post(url, entities, headers)).status).toBe(401);
        expect((await post(`${url}/batch`, { requests: [{ headers: {}, body: { query: '{ __typename }' } }] }, headers)).status).toBe(401);
        expect((await status(`${url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true', ...headers } })).status).toBe(401);
      }
      const answered = await post(url, { query: '{ __typename }' }, INTERNAL_HEADERS);
      expect({ subgraph, status: answered.status, body: JSON.parse(answered.body) }).toEqual({
        subgraph,
        status: 200,
        body: { data: { __typename: 'Query' } },
      });
    }
  });

  it('every subgraph refuses a WebSocket upgrade without the internal credential', async () => {
    for (const subgraph of SUBGRAPHS) {
      const url = `${subgraphUrl(subgraph).replace(/^http/, 'ws')}/graphql`;
      expect({ subgraph, without: await upgrade(url, {}) }).toEqual({ subgraph, without: 401 });
      expect({ subgraph, wrong: await upgrade(url, WRONG) }).toEqual({ subgraph, wrong: 401 });
      expect({ subgraph, with: await upgrade(url, INTERNAL_HEADERS) }).toEqual({ subgraph, with: 'open' });
    }
  });

  it('internal routes refuse callers without the credential, and answer the system’s own', async () => {
    const user = await signUp();
    const key = await gql('mutation { createApiKey(input: { label: "internal", scopes: [read] }) { secret } }', {}, { token: user.token });
    const secret: string = key.data.createApiKey.secret;
    const routes: { name: string; call: (headers: Record<string, string>) => Promise<{ status: number }>; ok: number }[] = [
      {
        // It believes the caller's `ip`: without the credential, anyone could pass an allow-list.
        name: 'accounts /internal/api-keys/exchange',
        call: (h) => post(`${subgraphUrl('accounts')}/internal/api-keys/exchange`, { apiKey: secret, ip: '127.0.0.1' }, h),
        ok: 200,
      },
      {
        name: 'accounts /internal/audit',
        call: (h) => post(`${subgraphUrl('accounts')}/internal/audit`, { action: 'probe' }, { ...h, authorization: `Bearer ${user.token}` }),
        ok: 403, // past the credential; refused because the user is no admin
      },
      {
        // A second-factor oracle: without the credential, anyone could test codes (or spend them).
        name: 'accounts /internal/two-factor/verify',
        call: (h) => post(`${subgraphUrl('accounts')}/internal/two-factor/verify`, { userId: user.id, code: '123456' }, h),
        ok: 200, // {verdict: 'not_enabled'}
      },
      { name: 'matching /internal/trades', call: (h) => status(`${subgraphUrl('matching')}/internal/trades?market=BTC-USDT&after=0&limit=1`, { headers: h }), ok: 200 },
      { name: 'matching /engine/state', call: (h) => status(`${subgraphUrl('matching')}/engine/state`, { headers: h }), ok: 200 },
      {
        name: 'matching /internal/balances/adjust',
        call: (h) => post(`${subgraphUrl('matching')}/internal/balances/adjust`, { userId: user.id, asset: 'USDT', amount: '1', idempotencyKey: 'probe' }, h),
        ok: 200,
      },
      { name: 'markets /listing', call: (h) => status(`${subgraphUrl('markets')}/listing`, { headers: h }), ok: 200 },
      { name: 'markets /internal/prices', call: (h) => status(`${subgraphUrl('markets')}/internal/prices?markets=BTC-USDT`, { headers: h }), ok: 200 },
      { name: 'markets /export/ticks.csv', call: (h) => status(`${subgraphUrl('markets')}/export/ticks.csv?limit=1`, { headers: h }), ok: 200 },
    ];
    for (const route of routes) {
      expect({ route: route.name, status: (await route.call({})).status }).toEqual({ route: route.name, status: 401 });
      expect({ route: route.name, status: (await route.call(WRONG)).status }).toEqual({ route: route.name, status: 401 });
      expect({ route: route.name, status: (await route.call(INTERNAL_HEADERS)).status }).toEqual({ route: route.name, status: route.ok });
    }
    // The export reaches clients through the gateway, which adds the credential itself.
    expect((await status(`${GATEWAY_URL}/export/ticks.csv?limit=1`)).status).toBe(200);
  });

  it('health, metrics and the public keys stay open (probes and scrapers carry no credential)', async () => {
    for (const subgraph of SUBGRAPHS) {
      expect({ subgraph, health: (await status(`${subgraphUrl(subgraph)}/health`)).status }).toEqual({ subgraph, health: 200 });
      expect({ subgraph, metrics: (await status(`${subgraphUrl(subgraph)}/metrics`)).status }).toEqual({ subgraph, metrics: 200 });
    }
    expect((await status(`${subgraphUrl('accounts')}/.well-known/jwks.json`)).status).toBe(200);
  });

  it('the gateway does not pass a client’s own x-internal-token or X-Forwarded-For on as the credential', async () => {
    // A client that learned nothing gets nothing by sending the header to the gateway: the
    // gateway answers as always, and subgraphs only ever see the gateway's own credential.
    const user = await signUp();
    const response = await fetch(`${GATEWAY_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...WRONG, authorization: `Bearer ${user.token}`, 'x-forwarded-for': '203.0.113.9' },
      body: JSON.stringify({ query: '{ me { id } myBalances { asset } }' }),
    });
    const body = await response.json();
    expect(body.errors).toBeUndefined();
    expect(body.data.me.id).toBe(user.id);
  });

  it('every process listens on loopback only (BIND_HOST unset)', () => {
    const ports = [PORT_BASE, ...SUBGRAPHS.map((s) => PORT_BASE + SUBGRAPH_PORT_OFFSET[s])];
    const listening = listeningAddresses(ports);
    for (const port of ports) {
      // 0100007F is 127.0.0.1 in /proc/net/tcp's byte order; 00000000 would be every address.
      expect({ port, addresses: listening.get(port) }).toEqual({ port, addresses: ['0100007F'] });
    }
  });
});
