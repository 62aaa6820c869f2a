import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { Client as PgClient } from 'pg';
import { DATABASE_URL, GATEWAY_HTTP, GATEWAY_WS, INTERNAL_HEADERS, LOG_DIR } from './env';

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

/** A GraphQL request over HTTP to the gateway, as any client would send it. */
export async function gql<T = any>(
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; reqId?: string; url?: string; internal?: boolean } = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(options.url ?? GATEWAY_HTTP, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      // A request to another URL (a subgraph) is sent as the gateway sends it, unless `internal: false`.
      ...((options.internal ?? options.url !== undefined) ? INTERNAL_HEADERS : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.reqId ? { 'x-request-id': options.reqId } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

export interface TestUser {
  id: string;
  email: string;
  token: string;
}

export async function signUp(url?: string): Promise<TestUser> {
  const email = `trader-${randomUUID()}@example.com`;
  const result = await gql(
    'mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { accessToken user { id } } }',
    { email, password: 'correct horse battery staple' },
    { url },
  );
  if (!result.data) throw new Error(`signUp failed: ${JSON.stringify(result.errors)}`);
  return { id: result.data.signUp.user.id, email, token: result.data.signUp.accessToken };
}

/** SQL on the test system's database, for fixtures that no API creates yet. */
export function sql<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
  return sqlOn<T>(DATABASE_URL, text, params);
}

/** SQL on another database (a test's own system), one connection per statement. */
export async function sqlOn<T = any>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new PgClient({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * Everything stored about a user that a hostile or cross-user request might change, one list of
 * rows per table, for before/after comparisons (hostile-auth, bola).
 */
export async function storedRowsOf(userId: string) {
  const rows = async (table: string, column = 'user_id') =>
    (await sql(`select to_jsonb(t) as row from ${table} t where ${column} = $1 order by 1`, [userId])).map((r) => r.row);
  return {
    user: await rows('accounts.users', 'id'),
    sessions: await rows('accounts.sessions'),
    apiKeys: await rows('accounts.api_keys'),
    wallets: await rows('accounts.wallets'),
    twoFactor: await rows('accounts.two_factor'),
    kyc: await rows('accounts.kyc'),
    orders: await rows('matching.orders'),
    alerts: await rows('trading.price_alerts'),
    deposits: await rows('funding.deposits'),
  };
}

/** The JSON log lines a process of the test system wrote so far. */
export function logLines(service: string): Record<string, any>[] {
  const text = readFileSync(path.join(LOG_DIR, `${service}.log`), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

/** A WebSocket that connects as the gateway does to a subgraph: with the internal credential. */
class InternalWebSocket extends WebSocket {
  constructor(address: string | URL, protocols?: string | string[]) {
    super(address, protocols, { headers: INTERNAL_HEADERS });
  }
}

/** A graphql-ws client; to another URL than the gateway's (a subgraph) it connects as the gateway does. */
export function wsClient(token?: string, url = GATEWAY_WS, extra: Partial<Parameters<typeof createClient>[0]> = {}): Client {
  return createClient({
    url,
    webSocketImpl: url === GATEWAY_WS ? WebSocket : InternalWebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
    ...extra,
  });
}

/** Collects a subscription's results; `next(n)` waits for the n-th one. */
export function collect(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const results: ExecutionResult<any>[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let error: unknown;
  let completed = false;
  const wake = () => {
    for (const waiter of [...waiters]) {
      if (results.length >= waiter.count || error !== undefined || completed) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const unsubscribe = client.subscribe(
    { query, variables },
    {
      next: (value) => {
        results.push(value);
        wake();
      },
      error: (e) => {
        error = e;
        wake();
      },
      complete: () => {
        completed = true;
        wake();
      },
    },
  );
  return {
    results,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    unsubscribe,
    /** Resolves when `count` results arrived, or the subscription ended; rejects on timeout. */
    async waitFor(count: number, timeoutMs = 10000): Promise<void> {
      if (results.length >= count || error !== undefined || completed) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for ${count} results, got ${results.length}`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}

/** Polls until `check` passes (for effects that cross processes asynchronously). */
/**
 * A Prometheus sample from a process's `/metrics` (`url` without the path): the first line of
 * metric `name` (labelled or not) whose text contains `labels`; 0 when there is none.
 */
export async function metric(url: string, name: string, labels = ''): Promise<number> {
  return (await scrape(url))(name, labels);
}

/** One read of `url`'s /metrics: samples taken from it are from the same moment (0 for a missing one). */
export async function scrape(url: string): Promise<(name: string, labels?: string) => number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return (name, labels = '') => {
    const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels));
    return line ? Number(line.split(' ').pop()) : 0;
  };
}

/**
 * A graphql-transport-ws connection past its `connection_ack`, speaking the protocol by hand: it
 * keeps every frame's exact text and the times of the WebSocket pings it got (`ws` options such
 * as `autoPong: false` make a client that never answers them).
 */
export async function rawClient(url: string, token?: string, options: WebSocket.ClientOptions = {}) {
  const socket = new WebSocket(url, 'graphql-transport-ws', options);
  const frames: string[] = [];
  const pings: number[] = [];
  let closedAt: number | null = null;
  let acked!: () => void;
  let refused!: (error: Error) => void;
  const ack = new Promise<void>((resolve, reject) => ((acked = resolve), (refused = reject)));
  socket.on('message', (data) => {
    const frame = String(data);
    frames.push(frame);
    if (frame === '{"type":"connection_ack"}') acked();
  });
  socket.on('ping', () => pings.push(Date.now()));
  socket.on('close', (code, reason) => {
    closedAt = Date.now();
    refused(new Error(`closed before connection_ack: ${code} ${String(reason)}`));
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} }));
  await ack;
  return {
    socket,
    frames,
    pings,
    get closed() {
      return closedAt !== null;
    },
    get closedAt() {
      return closedAt;
    },
    /** The `next` frames of operation `id`, as sent. */
    nexts: (id: string) => frames.filter((f) => f.startsWith(`{"id":${JSON.stringify(id)},"type":"next"`)),
    send: (message: unknown) => socket.send(JSON.stringify(message)),
  };
}

export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** Demo credit of a trading balance (the e2e system runs with MATCHING_DEMO_CREDITS=on). */
export async function credit(token: string, asset: string, amount: string, url?: string): Promise<void> {
  const result = await gql(
    'mutation ($asset: String!, $amount: Decimal!, $key: String!) { creditDemoFunds(asset: $asset, amount: $amount, idempotencyKey: $key) { available } }',
    { asset, amount, key: randomUUID() },
    { token, url },
  );
  if (!result.data) throw new Error(`credit failed: ${JSON.stringify(result.errors)}`);
}

/** Places an order through the gateway; returns its id or throws with the GraphQL errors. */
export async function placeOrder(token: string, input: Record<string, unknown>, url?: string): Promise<string> {
  const result = await gql('mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }', { input }, { token, url });
  if (!result.data) throw new Error(`placeOrder failed: ${JSON.stringify(result.errors)}`);
  return result.data.placeOrder.id;
}

/**
 * Publishes `payload` on a Redis channel until `received()` reaches `count`: the upstream
 * subscription opens asynchronously, so the first publishes may find no listener yet.
 */
export async function publishUntil(
  redis: { publish(channel: string, message: string): Promise<unknown> },
  channel: string,
  payload: unknown,
  received: () => number,
  count = 1,
): Promise<void> {
  await eventually(
    async () => {
      if (received() < count) {
        await redis.publish(channel, JSON.stringify(payload));
        throw new Error(`${channel}: ${received()} of ${count} received`);
      }
    },
    15000,
    200,
  );
}
