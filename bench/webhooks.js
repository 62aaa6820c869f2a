// npm run bench:webhooks — webhook delivery (README, "Webhooks"): 100 users with one endpoint each
// on a local receiver (a process of its own), and 10,000 events spread evenly over them, so
// 10,000 deliveries per phase (one per event). Events are posted to accounts' internal ingest
// route in batches of 100, as the subgraphs' outbox relays post them; latency counts from the
// event's createdAt (stamped just before its post) to its arrival at the receiver.
// - rate phase: 10,000 events offered at BENCH_RATE (2,000/s), open loop → p99 event→delivery;
// - burst phase: 10,000 more posted at once → deliveries/s (the delivery capacity);
// - ceiling: the same 10,000 signed POSTs sent by a plain keep-alive node HTTP client straight to
//   the receiver (no database, no queue): what the receiver and the loopback allow.
// lost = events sent − distinct event ids the receiver saw (per phase, summed).
const crypto = require('node:crypto');
const http = require('node:http');
const { randomUUID } = crypto;
const common = require('./lib/common.js');

const { intEnv, log, round } = common;
const EVENTS = intEnv('BENCH_EVENTS', 10_000);
const ENDPOINTS = intEnv('BENCH_ENDPOINTS', 100);
const RATE = intEnv('BENCH_RATE', 2_000);
const BATCH = 100;
const WAIT_MS = intEnv('BENCH_WAIT_MS', 60_000);
const CONCURRENCY = intEnv('BENCH_CEILING_CONCURRENCY', 64);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * CPU of the PostgreSQL backends serving the benchmark's database (ms), when the server runs on
 * this machine (its processes are readable in /proc); undefined otherwise.
 */
async function databaseCpuMs(databaseUrl, database) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
    let total = 0;
    for (const { pid } of rows) {
      try {
        total += common.cpuMsOf(pid);
      } catch {
        return undefined;
      }
    }
    return total;
  } finally {
    await client.end();
  }
}

async function post(url, events) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-internal-token': process.env.INTERNAL_API_TOKEN },
    body: JSON.stringify({ events }),
  });
  if (response.status !== 200) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
  return response.json();
}

const fill = (userId, n) => ({
  id: randomUUID(),
  type: 'trade.fill',
  userId,
  createdAt: new Date().toISOString(),
  data: { market: 'BTC-USDT', orderId: randomUUID(), side: n % 2 ? 'buy' : 'sell', price: '64000.5', quantity: '0.0125', fee: '0.8' },
});

async function waitForDelivered(receiver, expected, since) {
  const deadline = Date.now() + WAIT_MS;
  let stats;
  for (;;) {
    stats = await receiver.ask({ type: 'stats' }, 'stats');
    if (stats.distinct >= expected || Date.now() > deadline) break;
    await sleep(100);
  }
  const seconds = (stats.lastAt - since) / 1000;
  return { ...stats, seconds: round(seconds, 3), deliveries_per_s: Math.round(stats.distinct / seconds), lost: expected - stats.distinct };
}

/** The ceiling: the same signed POSTs from one keep-alive client, CONCURRENCY in flight. */
async function ceiling(port, users) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const secret = `whsec_${crypto.randomBytes(32).toString('base64url')}`;
  let next = 0;
  const started = Date.now();
  const one = () =>
    new Promise((resolve, reject) => {
      const n = next++;
      const event = fill(users[n % users.length].id, n);
      const body = JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt, data: event.data });
      const t = Math.floor(Date.now() / 1000);
      const signature = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
      const request = http.request(
        { host: '127.0.0.1', port, path: `/e/${n % ENDPOINTS}`, method: 'POST', agent, headers: {
          'content-type': 'application/json', 'user-agent': 'ceiling', 'tradegraph-event-id': event.id,
          'tradegraph-timestamp': String(t), 'tradegraph-signature': `t=${t},v1=${signature}`, 'content-length': Buffer.byteLength(body) } },
        (response) => {
          response.resume();
          response.on('end', resolve);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS) await one();
    }),
  );
  agent.destroy();
  return Math.round(EVENTS / ((Date.now() - started) / 1000));
}

async function main() {
  // Webhooks need accounts only (the gateway comes along: sign-ups go through it).
  process.env.BENCH_SERVICES ??= 'accounts';
  const system = await common.startBenchSystem('webhooks', { portBase: common.benchPortBase(100) });
  const receiver = common.forkHelper('webhook-receiver.js');
  const stopAll = common.stopOnExit([() => system.stop(), async () => receiver.stop()]);
  try {
    const { port } = await receiver.ask({ type: 'listen', port: system.portBase + 10 }, 'listening');
    const accounts = `http://127.0.0.1:${system.portBase + 1}`;
    const ingest = `${accounts}/internal/webhooks/events`;
    const users = await common.signUpUsers(system.graphqlUrl, ENDPOINTS);
    await common.inParallel(users.length, 8, async (i) => {
      await common.gql(
        system.graphqlUrl,
        'mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }',
        { input: { url: `http://127.0.0.1:${port}/e/${i}`, events: ['trade.*'] } },
        users[i].token,
      );
    });
    log(`${ENDPOINTS} endpoints on a receiver at :${port}; warming up with ${BATCH * 5} events`);
    let n = 0;
    const batchOf = () => Array.from({ length: BATCH }, () => fill(users[n % users.length].id, n++));
    for (let i = 0; i < 5; i += 1) await post(ingest, batchOf());
    await waitForDelivered(receiver, BATCH * 5, Date.now());
    await receiver.ask({ type: 'reset' }, 'reset');
    const pid = system.children.accounts.pid;

    // Rate phase: a batch every BATCH/RATE seconds, on schedule whatever the answers do (open loop).
    log(`rate phase: ${EVENTS} events offered at ${RATE}/s`);
    const interval = (1000 * BATCH) / RATE;
    const rateStart = Date.now();
    const cpuBefore = common.cpuMsOf(pid);
    const dbBefore = await databaseCpuMs(system.databaseUrl, system.database);
    const posts = [];
    for (let i = 0; i < EVENTS / BATCH; i += 1) {
      const due = rateStart + i * interval;
      if (due > Date.now()) await sleep(due - Date.now());
      posts.push(post(ingest, batchOf()));
    }
    await Promise.all(posts);
    const rate = await waitForDelivered(receiver, EVENTS, rateStart);
    const cpuPerDelivery = round((common.cpuMsOf(pid) - cpuBefore) / Math.max(rate.distinct, 1), 3);
    const dbAfter = await databaseCpuMs(system.databaseUrl, system.database);
    const dbPerDelivery = dbBefore === undefined || dbAfter === undefined ? null : round((dbAfter - dbBefore) / Math.max(rate.distinct, 1), 3);
    log(
      `rate phase: ${rate.distinct}/${EVENTS} delivered, p50 ${rate.p50_ms} ms, p99 ${rate.p99_ms} ms, max ${rate.max_ms} ms, lost ${rate.lost}; ` +
        `CPU per event (ingest and delivery): accounts ${cpuPerDelivery} ms, PostgreSQL ${dbPerDelivery ?? '?'} ms`,
    );
    await receiver.ask({ type: 'reset' }, 'reset');
    await sleep(1000);

    // Burst phase: everything at once, 8 posts in flight.
    log(`burst phase: ${EVENTS} events posted at once`);
    const burstStart = Date.now();
    const batches = Array.from({ length: EVENTS / BATCH }, batchOf);
    await common.inParallel(batches.length, 8, (i) => post(ingest, batches[i]));
    const posted = Date.now() - burstStart;
    const burst = await waitForDelivered(receiver, EVENTS, burstStart);
    log(`burst phase: posted in ${posted} ms; ${burst.distinct}/${EVENTS} delivered in ${burst.seconds} s: ${burst.deliveries_per_s}/s, p99 ${burst.p99_ms} ms, lost ${burst.lost}`);
    await receiver.ask({ type: 'reset' }, 'reset');

    const ceilingPerS = await ceiling(port, users);
    log(`ceiling: a plain keep-alive client (${CONCURRENCY} in flight) sends the same signed POSTs at ${ceilingPerS}/s`);

    const result = common.writeResult('webhooks', {
      events: EVENTS,
      endpoints: ENDPOINTS,
      deliveries_per_s: burst.deliveries_per_s,
      p99_ms: rate.p99_ms,
      lost: rate.lost + burst.lost,
      offered_rate_per_s: RATE,
      rate_phase: { p50_ms: rate.p50_ms, p99_ms: rate.p99_ms, max_ms: rate.max_ms, delivered: rate.distinct, requests: rate.requests, lost: rate.lost, accounts_cpu_ms_per_delivery: cpuPerDelivery, postgres_cpu_ms_per_delivery: dbPerDelivery },
      burst_phase: { deliveries_per_s: burst.deliveries_per_s, seconds: burst.seconds, post_ms: posted, p50_ms: burst.p50_ms, p99_ms: burst.p99_ms, delivered: burst.distinct, requests: burst.requests, lost: burst.lost },
      ceiling_per_s: ceilingPerS,
      ratio_to_ceiling: round(burst.deliveries_per_s / ceilingPerS, 2),
      note: 'deliveries = events (each event selected by one endpoint); p99_ms at the offered rate, from the event reaching accounts ingest (createdAt) to its arrival at the receiver; deliveries_per_s from the burst phase; ceiling = plain keep-alive client to the same receiver',
    });
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await stopAll();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
