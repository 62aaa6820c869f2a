import { randomBytes, randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { gql, signUp, sql as sharedSql, type TestUser } from '../harness/client';
import { GATEWAY_HTTP, INTERNAL_HEADERS, ownSystem, startOwnSystem, subgraphUrl } from '../harness/env';
import { startReceiver, until, verifyTradegraphSignature } from '../harness/webhook-receiver';

const { waitForHealth, ROOT } = require('../harness/system');

// Webhooks end to end (README, "Webhooks"): events posted to accounts' internal ingest route (as
// every subgraph's outbox relay does), delivered by accounts' workers to real HTTP receivers the
// tests start, signed, retried, given up, redelivered. A system of its own, with retry delays
// in the hundreds of milliseconds.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(7600, 'webhooks');
const ACCOUNTS = `http://127.0.0.1:${PORT_BASE + 1}`;
const GRAPHQL = `${ACCOUNTS}/graphql`;
const ENV = {
  WEBHOOK_RETRY_BASE_MS: '100',
  WEBHOOK_RETRY_MAX_MS: '400',
  WEBHOOK_GIVE_UP_AFTER_MS: '600000',
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_TIMEOUT_MS: '3000',
  // A claim's lease: twice the timeout plus this, 7 s (a test kills a worker mid-request).
  WEBHOOK_LEASE_GRACE_MS: '1000',
  WEBHOOK_WORKER_CONCURRENCY: '8',
  // Swept every 6 s; a test backdates the events it wants swept.
  WEBHOOK_RETENTION_MS: '60000',
};

jest.setTimeout(120_000);

let system: any;
let db: PgClient;
const sql = async (text: string, params: unknown[] = []) => (await db.query(text, params)).rows;

const ENDPOINT_FIELDS = 'id url events status description apiKeyId failingSince previousSecretExpiresAt';
const CREATE = `mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { ${ENDPOINT_FIELDS} } } }`;
const DELIVERIES = `query ($id: ID!, $status: WebhookDeliveryStatus) { webhookEndpoint(id: $id) { id status deliveries(first: 50, status: $status) {
  edges { node { id eventId eventType kind status attemptCount lastStatusCode body attempts { attempt statusCode latencyMs error responseExcerpt at } } } } } }`;

const code = (result: { errors?: { extensions?: { code?: string } }[] }) => result.errors?.[0]?.extensions?.code;

async function call(user: TestUser, query: string, variables: Record<string, unknown> = {}) {
  return gql(query, variables, { url: GRAPHQL, token: user.token });
}

async function createEndpoint(user: TestUser, url: string, events: string[] = ['*']) {
  const result = await call(user, CREATE, { input: { url, events, description: 'test receiver' } });
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.createWebhookEndpoint as { secret: string; endpoint: { id: string; status: string } };
}

function event(userId: string, type = 'trade.fill', data: Record<string, unknown> = { orderId: randomUUID(), price: '100.5' }) {
  return { id: randomUUID(), type, userId, createdAt: new Date().toISOString(), data };
}

async function post(body: unknown, headers: Record<string, string> = INTERNAL_HEADERS) {
  const response = await fetch(`${ACCOUNTS}/internal/webhooks/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function deliveries(user: TestUser, endpointId: string, status?: string) {
  const result = await call(user, DELIVERIES, { id: endpointId, status });
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.webhookEndpoint.deliveries.edges.map((edge: any) => edge.node) as any[];
}

beforeAll(async () => {
  system = await startOwnSystem(PORT_BASE, DATABASE, { services: ['accounts'], env: ENV });
  db = new PgClient({ connectionString: system.databaseUrl });
  await db.connect();
}, 200_000);

afterAll(async () => {
  await db?.end();
  await system?.stop();
});

describe('webhooks', () => {
  it('delivers a signed event the documented snippet verifies, once, however often the relay posts it', async () => {
    const receiver = await startReceiver();
    try {
      const user = await signUp(GRAPHQL);
      const { secret, endpoint } = await createEndpoint(user, receiver.url('/hook'), ['trade.*']);
      expect(secret).toMatch(/^whsec_/);
      expect(endpoint.status).toBe('ACTIVE');

      const fill = event(user.id);
      expect(await post({ events: [fill] })).toEqual({ status: 200, body: { stored: 1 } });
      // The relay may post again (it died before deleting its row): stored once, delivered once.
      expect(await post({ events: [fill, fill] })).toEqual({ status: 200, body: { stored: 0 } });
      // An event no endpoint selected is acknowledged, neither stored nor delivered.
      const other = event(user.id, 'account.wallet_linked', { address: '0xabc' });
      expect((await post({ events: [other] })).body).toEqual({ stored: 0 });

      const [request] = await until('the delivery', () => receiver.received.length >= 1 && receiver.received);
      expect(request.json).toEqual({ id: fill.id, type: 'trade.fill', createdAt: fill.createdAt, data: fill.data });
      expect(request.headers['tradegraph-event-id']).toBe(fill.id);
      expect(request.headers['user-agent']).toBe('Tradegraph-Webhooks/1');
      expect(request.headers['content-type']).toBe('application/json');
      const signature = String(request.headers['tradegraph-signature']);
      expect(signature).toMatch(new RegExp(`^t=${request.headers['tradegraph-timestamp']},v1=[0-9a-f]{64}$`));
      expect(verifyTradegraphSignature(request.body, signature, secret)).toBe(true);
      // Any change to the body, or another secret, fails verification.
      expect(verifyTradegraphSignature(request.body.replace('100.5', '100.6'), signature, secret)).toBe(false);
      expect(verifyTradegraphSignature(request.body, signature, `${secret}x`)).toBe(false);

      const [delivery] = await until('the delivery recorded', async () => {
        const rows = await deliveries(user, endpoint.id);
        return rows.length === 1 && rows[0].status === 'SUCCEEDED' && rows;
      });
      expect(delivery).toMatchObject({ eventId: fill.id, eventType: 'trade.fill', kind: 'event', attemptCount: 1, lastStatusCode: 200 });
      expect(delivery.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, error: null, responseExcerpt: 'ok' })]);
      expect(JSON.parse(delivery.body)).toEqual(request.json);
      expect(receiver.received).toHaveLength(1);
      expect(await sql('select count(*)::int as n from accounts.webhook_deliveries where event_id = $1', [fill.id])).toEqual([{ n: 1 }]);
    } finally {
      await receiver.close();
    }
  });

  it('refuses a malformed or uncredentialed post whole, storing nothing', async () => {
    const user = await signUp(GRAPHQL);
    // An endpoint that selects everything: a good event in an accepted post would be stored.
    await createEndpoint(user, 'http://127.0.0.1:9/unused', ['*']);
    const good = event(user.id);
    for (const bad of [
      { events: [good, { ...event(user.id), type: 'trade.unknown' }] },
      { events: [good, { ...event(user.id), id: 'not-a-uuid' }] },
      { events: [{ ...good, createdAt: 'yesterday' }] },
      { events: [{ ...good, data: 'text' }] },
      { nothing: true },
    ]) {
      const answer = await post(bad);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/malformed webhook events/);
    }
    expect((await post({ events: [good] }, {})).status).toBe(401);
    expect((await post({ events: [good] }, { 'x-internal-token': 'wrong' })).status).toBe(401);
    expect(await sql('select count(*)::int as n from accounts.webhook_events where user_id = $1', [user.id])).toEqual([{ n: 0 }]);
  });

  it('retries a 500 (and a 429 with Retry-After) until it succeeds, logging every attempt', async () => {
    const receiver = await startReceiver((path, n) => {
      if (path === '/flaky') return n <= 2 ? { status: 500, body: 'boom' } : { status: 200 };
      if (path === '/busy') return n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 };
      return { status: 200 };
    });
    try {
      const user = await signUp(GRAPHQL);
      const flaky = await createEndpoint(user, receiver.url('/flaky'), ['trade.fill']);
      const busy = await createEndpoint(user, receiver.url('/busy'), ['trade.fill']);
      const fill = event(user.id);
      await post({ events: [fill] });
      const [delivery] = await until('the flaky delivery to succeed', async () => {
        const rows = await deliveries(user, flaky.endpoint.id);
        return rows[0]?.status === 'SUCCEEDED' && rows;
      });
      expect(delivery.attempts.map((a: any) => [a.attempt, a.statusCode, a.responseExcerpt])).toEqual([
        [1, 500, 'boom'],
        [2, 500, 'boom'],
        [3, 200, 'ok'],
      ]);
      expect(receiver.on('/flaky').map((r) => r.json.id)).toEqual([fill.id, fill.id, fill.id]);

      const [busyDelivery] = await until('the busy delivery to succeed', async () => {
        const rows = await deliveries(user, busy.endpoint.id);
        return rows[0]?.status === 'SUCCEEDED' && rows;
      });
      expect(busyDelivery.attempts.map((a: any) => a.statusCode)).toEqual([429, 200]);
      // Retry-After: 1 was honoured: the second attempt came at least a second after the first.
      const [first, second] = busyDelivery.attempts.map((a: any) => Date.parse(a.at));
      expect(second - first).toBeGreaterThanOrEqual(1000);
    } finally {
      await receiver.close();
    }
  });

  it('does not retry 410, 400 or a redirect (which it does not follow)', async () => {
    const receiver = await startReceiver((path) => {
      if (path === '/gone') return { status: 410 };
      if (path === '/bad') return { status: 400, body: 'no thanks' };
      if (path === '/moved') return { status: 302, headers: { location: '/elsewhere' } };
      return { status: 200 };
    });
    try {
      const user = await signUp(GRAPHQL);
      const endpoints = await Promise.all(['/gone', '/bad', '/moved'].map((p) => createEndpoint(user, receiver.url(p), ['trade.fill'])));
      await post({ events: [event(user.id)] });
      for (const [index, status] of [410, 400, 302].entries()) {
        const [delivery] = await until(`the ${status} delivery to fail`, async () => {
          const rows = await deliveries(user, endpoints[index].endpoint.id);
          return rows[0]?.status === 'FAILED' && rows;
        });
        expect(delivery).toMatchObject({ attemptCount: 1, lastStatusCode: status });
        expect(delivery.attempts).toHaveLength(1);
      }
      // FAILED is final: no worker claims it again (only pending deliveries are claimed).
      expect(await sql(`select count(*)::int as n from accounts.webhook_deliveries d join accounts.webhook_endpoints p on p.id = d.endpoint_id
                         where p.user_id = $1 and (d.status <> 'failed' or d.locked_until is not null or d.finished_at is null)`, [user.id])).toEqual([{ n: 0 }]);
      expect(receiver.received.map((r) => r.path).sort()).toEqual(['/bad', '/gone', '/moved']);
    } finally {
      await receiver.close();
    }
  });

  it('loses nothing while the receiver is down: every event arrives once it is back', async () => {
    let receiver = await startReceiver();
    const port = receiver.port;
    const user = await signUp(GRAPHQL);
    const { endpoint } = await createEndpoint(user, receiver.url('/down'), ['trade.*']);
    await receiver.close();
    const sent = Array.from({ length: 60 }, () => event(user.id));
    for (let i = 0; i < sent.length; i += 20) await post({ events: sent.slice(i, i + 20) });
    // Every delivery has failed at least once (connection refused) before the receiver is back.
    await until('every delivery to have failed once', async () => {
      const [row] = await sql(
        'select count(*)::int as n from accounts.webhook_deliveries where endpoint_id = $1 and attempts >= 1 and last_error is not null',
        [endpoint.id],
      );
      return row.n === sent.length;
    });
    receiver = await startReceiver(undefined, port);
    try {
      await until('every event to arrive', () => new Set(receiver.received.map((r) => r.json.id)).size === sent.length);
      expect(new Set(receiver.received.map((r) => r.json.id))).toEqual(new Set(sent.map((e) => e.id)));
      const logged = await sql(
        `select count(*)::int as n from accounts.webhook_attempts a join accounts.webhook_deliveries d on d.id = a.delivery_id
          where d.endpoint_id = $1 and a.error like 'connection%'`,
        [endpoint.id],
      );
      expect(logged[0].n).toBeGreaterThanOrEqual(sent.length);
    } finally {
      await receiver.close();
    }
  });

  it('keeps a slow endpoint to its share of the workers, so another endpoint is not kept waiting behind it', async () => {
    const receiver = await startReceiver((path) => (path === '/slow' ? { status: 200, delayMs: 300 } : { status: 200 }));
    try {
      const user = await signUp(GRAPHQL);
      const other = await signUp(GRAPHQL);
      await createEndpoint(user, receiver.url('/slow'), ['trade.*']);
      await createEndpoint(other, receiver.url('/fast'), ['trade.*']);
      const backlog = Array.from({ length: 40 }, () => event(user.id));
      await post({ events: backlog });
      await post({ events: [event(other.id)] });
      await until('the other endpoint served', () => receiver.on('/fast').length === 1);
      // With 8 workers' slots (WEBHOOK_WORKER_CONCURRENCY) an endpoint may hold 2: the fast
      // endpoint's event, queued behind 40 slow ones, went out long before they were done.
      expect(receiver.on('/slow').length).toBeLessThan(20);
      await until('the backlog', () => receiver.on('/slow').length === 40);
      expect(receiver.mostOpen('/slow')).toBeLessThanOrEqual(2);
    } finally {
      await receiver.close();
    }
  });

  it('holds deliveries while an endpoint is paused and sends them when it is resumed', async () => {
    const receiver = await startReceiver();
    try {
      const user = await signUp(GRAPHQL);
      const { endpoint } = await createEndpoint(user, receiver.url('/paused'), ['trade.*']);
      const paused = await call(user, 'mutation ($id: ID!) { pauseWebhookEndpoint(id: $id) { status } }', { id: endpoint.id });
      expect(paused.data.pauseWebhookEndpoint.status).toBe('PAUSED');
      const fills = [event(user.id), event(user.id)];
      await post({ events: fills });
      expect((await deliveries(user, endpoint.id)).map((d) => d.status)).toEqual(['HELD', 'HELD']);
      const resumed = await call(user, 'mutation ($id: ID!) { resumeWebhookEndpoint(id: $id) { status } }', { id: endpoint.id });
      expect(resumed.data.resumeWebhookEndpoint.status).toBe('ACTIVE');
      await until('both events', () => receiver.received.length === 2);
      expect(receiver.received.map((r) => r.json.id).sort()).toEqual(fills.map((f) => f.id).sort());
    } finally {
      await receiver.close();
    }
  });

  it('deletes a finished event with its delivery log after the retention, and keeps one still held', async () => {
    const receiver = await startReceiver();
    try {
      const user = await signUp(GRAPHQL);
      const { endpoint } = await createEndpoint(user, receiver.url('/kept'), ['trade.*']);
      const done = event(user.id);
      await post({ events: [done] });
      await until('the delivery', async () => (await deliveries(user, endpoint.id)).some((d) => d.status === 'SUCCEEDED'));
      const other = await signUp(GRAPHQL);
      const held = await createEndpoint(other, receiver.url('/held'), ['trade.*']);
      await call(other, 'mutation ($id: ID!) { pauseWebhookEndpoint(id: $id) { status } }', { id: held.endpoint.id });
      const waiting = event(other.id);
      await post({ events: [waiting] });
      const ids = [done.id, waiting.id];
      // Both stored an hour ago: past this system's retention (WEBHOOK_RETENTION_MS, one minute).
      await sql(`update accounts.webhook_events set stored_at = now() - interval '1 hour' where id = any($1::uuid[])`, [ids]);
      await until('the finished event deleted', async () => {
        const left = await sql('select id from accounts.webhook_events where id = any($1::uuid[])', [ids]);
        return left.length === 1 && left;
      });
      expect(await sql('select id from accounts.webhook_events where id = any($1::uuid[])', [ids])).toEqual([{ id: waiting.id }]);
      expect(await sql('select count(*)::int as n from accounts.webhook_deliveries where event_id = $1', [done.id])).toEqual([{ n: 0 }]);
      expect(await sql('select count(*)::int as n from accounts.webhook_attempts a join accounts.webhook_deliveries d on d.id = a.delivery_id where d.endpoint_id = $1', [endpoint.id])).toEqual([{ n: 0 }]);
      expect(await deliveries(user, endpoint.id)).toEqual([]);
      expect((await deliveries(other, held.endpoint.id)).map((d) => d.status)).toEqual(['HELD']);
    } finally {
      await receiver.close();
    }
  });

  it('signs with both secrets during a rotation grace period, and with the new one only after it', async () => {
    const receiver = await startReceiver();
    try {
      const user = await signUp(GRAPHQL);
      const { endpoint, secret: oldSecret } = await createEndpoint(user, receiver.url('/rotate'), ['trade.fill']);
      const ROTATE = `mutation ($id: ID!, $grace: Int) { rotateWebhookEndpointSecret(id: $id, graceSeconds: $grace) { secret endpoint { previousSecretExpiresAt } } }`;
      const rotated = await call(user, ROTATE, { id: endpoint.id, grace: 3600 });
      const newSecret = rotated.data.rotateWebhookEndpointSecret.secret;
      expect(newSecret).not.toBe(oldSecret);
      expect(Date.parse(rotated.data.rotateWebhookEndpointSecret.endpoint.previousSecretExpiresAt)).toBeGreaterThan(Date.now() + 3500_000);

      await post({ events: [event(user.id)] });
      const [during] = await until('the first delivery', () => receiver.received.length >= 1 && receiver.received);
      const header = String(during.headers['tradegraph-signature']);
      expect(header.match(/v1=/g)).toHaveLength(2);
      expect(verifyTradegraphSignature(during.body, header, newSecret)).toBe(true);
      expect(verifyTradegraphSignature(during.body, header, oldSecret)).toBe(true);

      // The grace period ends (moved into the past here rather than waited for).
      await sql("update accounts.webhook_endpoints set previous_secret_expires_at = now() - interval '1 second' where id = $1", [endpoint.id]);
      await post({ events: [event(user.id)] });
      const after = (await until('the second delivery', () => receiver.received.length >= 2 && receiver.received))[1];
      const afterHeader = String(after.headers['tradegraph-signature']);
      expect(afterHeader.match(/v1=/g)).toHaveLength(1);
      expect(verifyTradegraphSignature(after.body, afterHeader, newSecret)).toBe(true);
      expect(verifyTradegraphSignature(after.body, afterHeader, oldSecret)).toBe(false);
      // At rest, the secret is sealed: neither secret appears in the row.
      const [row] = await sql('select secret, previous_secret from accounts.webhook_endpoints where id = $1', [endpoint.id]);
      expect(row.secret.includes(Buffer.from(newSecret))).toBe(false);
      expect(row.previous_secret.includes(Buffer.from(oldSecret))).toBe(false);
    } finally {
      await receiver.close();
    }
  });

  it('redelivers a stored event and sends a test event to one endpoint only', async () => {
    const receiver = await startReceiver();
    try {
      const user = await signUp(GRAPHQL);
      const a = await createEndpoint(user, receiver.url('/a'), ['trade.fill']);
      await createEndpoint(user, receiver.url('/b'), ['*']);
      const fill = event(user.id);
      await post({ events: [fill] });
      await until('the event at both endpoints', () => receiver.received.length === 2);

      const REDELIVER = 'mutation ($e: ID!, $p: ID!) { redeliverWebhookEvent(eventId: $e, endpointId: $p) { id eventId kind status } }';
      const redelivery = await call(user, REDELIVER, { e: fill.id, p: a.endpoint.id });
      expect(redelivery.data.redeliverWebhookEvent).toMatchObject({ eventId: fill.id, kind: 'redelivery' });
      await until('the redelivery', () => receiver.on('/a').length === 2);
      expect(receiver.on('/a').map((r) => r.json.id)).toEqual([fill.id, fill.id]);

      const TEST = 'mutation ($p: ID!) { sendTestWebhook(endpointId: $p) { id eventType kind } }';
      const test = await call(user, TEST, { p: a.endpoint.id });
      expect(test.data.sendTestWebhook).toMatchObject({ eventType: 'webhook.test', kind: 'test' });
      await until('the test event', () => receiver.on('/a').length === 3);
      expect(receiver.on('/a')[2].json).toMatchObject({ type: 'webhook.test', data: { endpointId: a.endpoint.id } });
      expect(receiver.on('/b')).toHaveLength(1);

      // Someone else can neither redeliver this user's event nor test their endpoint, and learns nothing about them.
      const stranger = await signUp(GRAPHQL);
      const theirs = await createEndpoint(stranger, receiver.url('/c'), ['*']);
      expect(code(await call(stranger, REDELIVER, { e: fill.id, p: theirs.endpoint.id }))).toBe('NOT_FOUND');
      expect(code(await call(stranger, TEST, { p: a.endpoint.id }))).toBe('NOT_FOUND');
      expect(code(await call(stranger, TEST, { p: randomUUID() }))).toBe('NOT_FOUND');
    } finally {
      await receiver.close();
    }
  });

  it('gives up at the end of the schedule: the delivery is abandoned, the endpoint FAILING, and the owner told at another endpoint', async () => {
    const receiver = await startReceiver((path) => (path === '/dead' ? { status: 503 } : { status: 200 }));
    try {
      const user = await signUp(GRAPHQL);
      const dead = await createEndpoint(user, receiver.url('/dead'), ['*']);
      await createEndpoint(user, receiver.url('/alerts'), ['account.*']);
      const fill = event(user.id);
      await post({ events: [fill] });
      await until('a failed attempt', () => receiver.on('/dead').length >= 1);
      // The schedule's end, brought forward (the system's is ten minutes).
      await sql('update accounts.webhook_deliveries set give_up_at = now() where endpoint_id = $1', [dead.endpoint.id]);
      const [delivery] = await until('the delivery abandoned', async () => {
        const rows = await deliveries(user, dead.endpoint.id);
        return rows[0]?.status === 'ABANDONED' && rows;
      });
      expect(delivery.attempts.every((a: any) => a.statusCode === 503)).toBe(true);
      const endpoint = await call(user, `query ($id: ID!) { webhookEndpoint(id: $id) { status failingSince } }`, { id: dead.endpoint.id });
      expect(endpoint.data.webhookEndpoint.status).toBe('FAILING');
      expect(endpoint.data.webhookEndpoint.failingSince).not.toBeNull();

      const [told] = await until('account.webhook_failing at the other endpoint', () => receiver.on('/alerts').length >= 1 && receiver.on('/alerts'));
      expect(told.json).toMatchObject({ type: 'account.webhook_failing', data: { endpointId: dead.endpoint.id, url: receiver.url('/dead') } });
      // A failing endpoint gets nothing new (not even the news about itself)...
      await post({ events: [event(user.id)] });
      expect(await sql(`select count(*)::int as n from accounts.webhook_deliveries where endpoint_id = $1`, [dead.endpoint.id])).toEqual([{ n: 1 }]);
      // ...until it is resumed.
      const resumed = await call(user, 'mutation ($id: ID!) { resumeWebhookEndpoint(id: $id) { status failingSince } }', { id: dead.endpoint.id });
      expect(resumed.data.resumeWebhookEndpoint).toEqual({ status: 'ACTIVE', failingSince: null });
    } finally {
      await receiver.close();
    }
  });

  it('checks input and ownership on every field', async () => {
    const user = await signUp(GRAPHQL);
    const stranger = await signUp(GRAPHQL);
    const types = await gql('{ webhookEventTypes }', {}, { url: GRAPHQL });
    expect(types.data.webhookEventTypes).toEqual(expect.arrayContaining(['trade.fill', 'account.webhook_failing', 'alert.triggered']));

    const bad = (input: Record<string, unknown>) => call(user, CREATE, { input: { url: 'http://127.0.0.1:9/x', events: ['*'], ...input } });
    for (const input of [{ events: [] }, { events: ['trade.nope'] }, { events: ['nope.*'] }, { url: 'ftp://example.com' }, { url: 'not a url' }, { url: 'http://user:pw@127.0.0.1/' }]) {
      const result = await bad(input);
      expect(code(result)).toBe('BAD_USER_INPUT');
    }
    expect(await sql('select count(*)::int as n from accounts.webhook_endpoints where user_id = $1', [user.id])).toEqual([{ n: 0 }]);

    const { endpoint } = await createEndpoint(user, 'http://127.0.0.1:9/mine', ['trade.*', 'account.api_key_created']);
    for (const [query, variables] of [
      [`query ($id: ID!) { webhookEndpoint(id: $id) { id } }`, { id: endpoint.id }],
      [`mutation ($id: ID!) { pauseWebhookEndpoint(id: $id) { id } }`, { id: endpoint.id }],
      [`mutation ($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id: endpoint.id }],
      [`mutation ($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret } }`, { id: endpoint.id }],
      [`mutation ($id: ID!) { updateWebhookEndpoint(id: $id, input: { url: "http://127.0.0.1:9/theirs" }) { id } }`, { id: endpoint.id }],
    ] as const) {
      expect(code(await call(stranger, query, variables))).toBe('NOT_FOUND');
    }
    expect((await call(stranger, '{ webhookEndpoints { id } }')).data.webhookEndpoints).toEqual([]);
    expect(code(await gql('{ webhookEndpoints { id } }', {}, { url: GRAPHQL }))).toBe('UNAUTHENTICATED');

    const updated = await call(user, `mutation ($id: ID!) { updateWebhookEndpoint(id: $id, input: { events: ["*"], description: "all" }) { events description url } }`, { id: endpoint.id });
    expect(updated.data.updateWebhookEndpoint).toEqual({ events: ['*'], description: 'all', url: 'http://127.0.0.1:9/mine' });
    expect(code(await call(user, `mutation ($id: ID!) { updateWebhookEndpoint(id: $id, input: { events: ["x"] }) { id } }`, { id: endpoint.id }))).toBe('BAD_USER_INPUT');

    for (let i = 1; i < 20; i++) await createEndpoint(user, `http://127.0.0.1:9/${i}`);
    expect(code(await bad({}))).toBe('LIMIT_EXCEEDED');
    expect((await call(user, `mutation ($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id: endpoint.id })).data.deleteWebhookEndpoint).toBe(endpoint.id);
    expect((await call(user, '{ webhookEndpoints { id } }')).data.webhookEndpoints).toHaveLength(19);
  });
});

describe('webhooks with two worker processes', () => {
  let second: ChildProcess | undefined;

  afterAll(() => {
    second?.kill('SIGKILL');
  });

  it('sends each attempt once when two accounts processes deliver from the same database', async () => {
    // The receiver is slow enough that one worker alone (8 in flight) cannot drain the batch quickly.
    const receiver = await startReceiver(() => ({ status: 200, delayMs: 5 }));
    try {
      const port = PORT_BASE + 50;
      const logDir = path.join(ROOT, '.data', `e2e-logs-${PORT_BASE}`);
      const log = fs.openSync(path.join(logDir, 'accounts-second.log'), 'a');
      second = spawn(process.execPath, [path.join(ROOT, 'subgraphs/accounts/dist/index.js')], {
        env: { ...process.env, ...ENV, DATABASE_URL: system.databaseUrl, REDIS_URL: process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_NAMESPACE: DATABASE, PORT_BASE: String(PORT_BASE), ACCOUNTS_PORT: String(port) },
        stdio: ['ignore', log, log],
      });
      await waitForHealth(`http://127.0.0.1:${port}/ready`, second, 'second accounts');

      // Six endpoints (one per user), so that the per-endpoint share (2 of 8 slots) leaves both processes work.
      const users = await Promise.all(Array.from({ length: 6 }, () => signUp(GRAPHQL)));
      const endpoints = await Promise.all(users.map((user, i) => createEndpoint(user, receiver.url(`/shared/${i}`), ['trade.*'])));
      const sent = Array.from({ length: 600 }, (_, i) => event(users[i % users.length].id));
      await Promise.all([0, 1, 2].map((i) => post({ events: sent.slice(i * 200, (i + 1) * 200) })));
      await until('every event', () => new Set(receiver.received.map((r) => r.json.id)).size === sent.length, 60_000);
      await until('every delivery recorded', async () => {
        const [row] = await sql(`select count(*)::int as n from accounts.webhook_deliveries where endpoint_id = any($1::uuid[]) and status = 'succeeded'`, [
          endpoints.map((e) => e.endpoint.id),
        ]);
        return row.n === sent.length;
      });
      // Each event once: the receiver always answered 200, so one attempt each, by one worker.
      const perEvent = new Map<string, number>();
      for (const r of receiver.received) perEvent.set(r.json.id, (perEvent.get(r.json.id) ?? 0) + 1);
      expect([...perEvent.values()].every((n) => n === 1)).toBe(true);
      expect(receiver.received).toHaveLength(sent.length);
      // Both processes did part of it.
      const attemptsBy = async (base: string) => {
        const text = await (await fetch(`${base}/metrics`)).text();
        return Number(/webhook_attempts_total\{[^}]*outcome="succeeded"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
      };
      const [mine, theirs] = await Promise.all([attemptsBy(ACCOUNTS), attemptsBy(`http://127.0.0.1:${port}`)]);
      expect(mine).toBeGreaterThan(0);
      expect(theirs).toBeGreaterThan(0);
    } finally {
      await receiver.close();
    }
  });
  it('a worker killed mid-request loses nothing: its delivery is sent again, under the next attempt, once the lease ends', async () => {
    // Only the system's own accounts process delivers now.
    if (second && second.exitCode === null && second.signalCode === null) {
      const gone = new Promise((resolve) => second!.once('exit', resolve));
      second.kill('SIGKILL');
      await gone;
    }
    const accounts = system.children.accounts as ChildProcess;
    // The first request is never answered (the worker dies while waiting for it); the next gets 200.
    const arrivals: number[] = [];
    const receiver = await startReceiver((_path, n) => {
      arrivals.push(Date.now());
      return n === 1 ? { status: 200, delayMs: 60_000 } : { status: 200 };
    });
    try {
      const user = await signUp(GRAPHQL);
      const { endpoint } = await createEndpoint(user, receiver.url('/dies-mid-request'), ['trade.*']);
      const sent = event(user.id);
      expect((await post({ events: [sent] })).status).toBe(200);
      await until('the first request arrives', () => receiver.received.length === 1);
      const killedAt = Date.now();
      const dead = new Promise((resolve) => accounts.once('exit', resolve));
      accounts.kill('SIGKILL');
      await dead;
      await system.restart('accounts');

      await until('the delivery is sent again', () => receiver.received.length === 2, 30_000);
      // Not before the dead worker's lease ran out (2 × 3 s + 1 s, counted from its claim, a little before the kill).
      expect(arrivals[1] - killedAt).toBeGreaterThan(5_000);
      expect(receiver.received.map((r) => r.json.id)).toEqual([sent.id, sent.id]);
      let delivery: any;
      await until('the delivery is recorded as succeeded', async () => {
        [delivery] = await deliveries(user, endpoint.id);
        return delivery?.status === 'SUCCEEDED';
      });
      // The second claim numbered its attempt 2; the dead worker's attempt was never answered, so not logged as a success.
      expect(delivery.attemptCount).toBe(2);
      expect(delivery.attempts.filter((a: any) => a.statusCode === 200)).toEqual([expect.objectContaining({ attempt: 2 })]);
      // And nothing more is sent.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(receiver.received).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });
});

describe('webhook targets in production', () => {
  const { portBase, database } = ownSystem(7300, 'webhooks_prod');
  const url = `http://127.0.0.1:${portBase + 1}/graphql`;
  let production: any;
  let prodDb: PgClient;

  beforeAll(async () => {
    production = await startOwnSystem(portBase, database, {
      services: ['accounts'],
      env: {
        ...ENV,
        NODE_ENV: 'production',
        KYC_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        EMBEDDED_WALLET_KEYS: `w1:${randomBytes(32).toString('base64')}`,
        WEBHOOK_SECRET_KEYS: `h1:${randomBytes(32).toString('base64')}`,
      },
    });
    prodDb = new PgClient({ connectionString: production.databaseUrl });
    await prodDb.connect();
  }, 200_000);

  afterAll(async () => {
    await prodDb?.end();
    await production?.stop();
  });

  it('refuses http, private, loopback and link-local targets at creation, and at send time on the address actually connected to', async () => {
    const user = await signUp(url);
    const create = (target: string) => gql(CREATE, { input: { url: target, events: ['*'] } }, { url, token: user.token });
    for (const target of [
      'http://example.com/hook',
      'https://127.0.0.1/hook',
      'https://10.0.0.1/hook',
      'https://192.168.1.20/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/hook',
      'https://[::1]/hook',
      'https://[fd00::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://0.0.0.0/hook',
      'https://localhost/hook',
    ]) {
      const result = await create(target);
      expect([target, code(result)]).toEqual([target, 'BAD_USER_INPUT']);
      expect(result.errors![0].message).toMatch(/https|private|resolve/);
    }
    expect(await prodDb.query('select count(*)::int as n from accounts.webhook_endpoints').then((r) => r.rows)).toEqual([{ n: 0 }]);

    // A public address is accepted (nothing is sent to it here: the test moves the endpoint's URL
    // behind the check's back, as a DNS answer that changes after creation would).
    const created = await create('https://93.184.215.14/hook');
    expect(created.errors).toBeUndefined();
    const receiver = await startReceiver();
    try {
      const id = created.data.createWebhookEndpoint.endpoint.id;
      for (const target of [`https://127.0.0.1:${receiver.port}/rebound`, `https://localhost:${receiver.port}/rebound`]) {
        await prodDb.query('update accounts.webhook_endpoints set url = $2 where id = $1', [id, target]);
        const answer = await fetch(`http://127.0.0.1:${portBase + 1}/internal/webhooks/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...INTERNAL_HEADERS },
          body: JSON.stringify({ events: [event(user.id)] }),
        });
        expect(answer.status).toBe(200);
      }
      const rows = await until('both deliveries refused', async () => {
        const { rows } = await prodDb.query(`select status, last_error from accounts.webhook_deliveries where endpoint_id = $1`, [id]);
        return rows.length === 2 && rows.every((r) => r.status === 'failed') && rows;
      });
      for (const row of rows) expect(row.last_error).toMatch(/^refused target/);
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });
});

describe('webhook endpoints of applications (API keys), on the shared test system through its gateway', () => {
  const withKey = async (apiKey: string, query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(GATEWAY_HTTP, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as any;
  };
  const createKey = async (user: TestUser, scopes: string[]) => {
    const result = await gql('mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }', { input: { label: 'app', scopes } }, { token: user.token });
    return result.data.createApiKey as { secret: string; apiKey: { id: string } };
  };

  it('an application sees and changes only its own endpoints; its user sees all; a revoked key’s endpoints receive nothing', async () => {
    const user = await signUp();
    const key = await createKey(user, ['read']);
    const input = (path: string) => ({ input: { url: `http://127.0.0.1:9${path}`, events: ['trade.*'] } });
    const mine = (await gql(CREATE, input('/user'), { token: user.token })).data.createWebhookEndpoint.endpoint;
    expect(mine.apiKeyId).toBeNull();
    const theirs = (await withKey(key.secret, CREATE, input('/app'))).data.createWebhookEndpoint.endpoint;
    expect(theirs.apiKeyId).toBe(key.apiKey.id);

    expect((await withKey(key.secret, '{ webhookEndpoints { id } }')).data.webhookEndpoints).toEqual([{ id: theirs.id }]);
    expect(code(await withKey(key.secret, 'query ($id: ID!) { webhookEndpoint(id: $id) { id } }', { id: mine.id }))).toBe('NOT_FOUND');
    expect(code(await withKey(key.secret, 'mutation ($id: ID!) { pauseWebhookEndpoint(id: $id) { id } }', { id: mine.id }))).toBe('NOT_FOUND');
    expect((await gql('{ webhookEndpoints { id } }', {}, { token: user.token })).data.webhookEndpoints.map((e: any) => e.id).sort()).toEqual([mine.id, theirs.id].sort());

    // A key without the read scope cannot send the account's data anywhere.
    const tradeOnly = await createKey(user, ['trade']);
    expect(code(await withKey(tradeOnly.secret, CREATE, input('/sneaky')))).toBe('FORBIDDEN');

    await gql('mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: key.apiKey.id }, { token: user.token });
    const answer = await fetch(`${subgraphUrl('accounts')}/internal/webhooks/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...INTERNAL_HEADERS },
      body: JSON.stringify({ events: [event(user.id)] }),
    });
    expect(answer.status).toBe(200);
    const rows = await sharedSql('select endpoint_id as id, count(*)::int as n from accounts.webhook_deliveries where endpoint_id = any($1::uuid[]) group by endpoint_id', [[mine.id, theirs.id]]);
    expect(rows).toEqual([{ id: mine.id, n: 1 }]);
  });
});
