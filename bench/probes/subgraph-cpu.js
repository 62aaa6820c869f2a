// Probe: CPU time per request of each subgraph process (and the gateway) for the gateway
// benchmark's two queries, measured apart: the signed-in user's view (accounts `me`, then
// matching's and funding's `_entities` fetches of User) and the market data (markets, then
// matching's order books). Not a benchmark of its own: a tool for finding where subgraph CPU
// goes, before and after a change.
//
//   node bench/probes/subgraph-cpu.js
//
// Knobs: PROBE_REQUESTS (1500 per query and system), PROBE_ROUNDS (3: the requests are sent in
// this many interleaved bursts), PROBE_CONCURRENCY (8), PROBE_USERS (20), PROBE_NODE_ARGS (node
// arguments for every subgraph process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": profiles
// are written when the processes stop), PROBE_QUERIES (user,market), BENCH_PORT_BASE,
// BENCH_DATABASE, and PROBE_ROOTS: "before=/path/to/a/built/copy,after=." runs one system per
// built checkout side by side, in alternating bursts, so a before/after comparison sees the same
// neighbours' load (CPU time per request grows with the machine's load).
// CPU is read from /proc (10 ms ticks), so enough requests are needed for a stable figure.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Pool } = require('undici');
const common = require('../lib/common.js');
const { freshDatabase, withDatabase, waitForHealth, SERVICES, OFFSETS } = require('../../test/harness/system.js');
const { MARKET_DATA, USER_VIEW } = require('../requests/gateway-mix.js');

const { intEnv, log, round } = common;
const REQUESTS = intEnv('PROBE_REQUESTS', 1500);
const CONCURRENCY = intEnv('PROBE_CONCURRENCY', 8);
const USERS = intEnv('PROBE_USERS', 20);
const QUERIES = (process.env.PROBE_QUERIES ?? 'user,market').split(',');
// PROBE_DIRECT=1: afterwards, requests straight to one subgraph, one kind at a time, to split a
// request's CPU into the GraphQL pipeline (`{ __typename }`), the entity fetch without data
// (`... on User { id }`), and the full fetch the gateway sends.
const DIRECT = process.env.PROBE_DIRECT === '1';
const ENTITY_QUERY = (selection) =>
  `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { ${selection} } } }`;
const DIRECT_KINDS = [
  ['accounts', 'typename', () => ({ query: '{ __typename }' })],
  ['accounts', 'me', () => ({ query: '{ me { id email roles createdAt } }' })],
  ['funding', 'typename', () => ({ query: '{ __typename }' })],
  ['funding', 'user-id', (user) => ({ query: ENTITY_QUERY('id'), variables: { representations: [{ __typename: 'User', id: user.id }] } })],
  [
    'funding',
    'deposits',
    (user) => ({
      query: ENTITY_QUERY('deposits(first: 5) { edges { node { id network amount status confirmations createdAt } } }'),
      variables: { representations: [{ __typename: 'User', id: user.id }] },
    }),
  ],
  [
    'matching',
    'orders-balances',
    (user) => ({
      query: ENTITY_QUERY(
        'orders(first: 5) { edges { node { id side type status price quantity filledQuantity clientOrderId market { symbol } } } } balances { asset available locked }',
      ),
      variables: { representations: [{ __typename: 'User', id: user.id }] },
    }),
  ],
];
const ROUNDS = intEnv('PROBE_ROUNDS', 3);
const NODE_ARGS = process.env.PROBE_NODE_ARGS ? process.env.PROBE_NODE_ARGS.split(' ') : [];
const ROOTS = (process.env.PROBE_ROOTS ?? `current=${common.SYSTEM_ROOT}`).split(',').map((entry) => {
  const [label, root] = entry.split('=');
  return { label, root: path.resolve(root) };
});

async function startSystem(label, root, index) {
  const database = `${process.env.BENCH_DATABASE ?? 'tg_probe_subgraph_cpu'}${index ? `_${index}` : ''}`;
  const base = intEnv('BENCH_PORT_BASE', 57000) + 100 * index;
  const dbUrl = withDatabase(common.DATABASE_URL, database);
  await freshDatabase(common.DATABASE_URL, database);
  const logDir = path.join(common.ROOT, '.data', `probe-logs-subgraph-cpu-${label}`);
  fs.rmSync(logDir, { recursive: true, force: true });
  fs.mkdirSync(logDir, { recursive: true });
  const env = {
    ...process.env,
    DATABASE_URL: dbUrl,
    REDIS_URL: common.REDIS_URL,
    PORT_BASE: String(base),
    REDIS_NAMESPACE: database,
    LOG_LEVEL: 'info',
    PRICE_FEED: 'off',
    MATCHING_DEMO_CREDITS: 'on',
    RATE_LIMIT_SIGNUP_PER_IP: '1000000',
  };
  const children = {};
  const launch = (name, entry, args) => {
    const out = fs.openSync(path.join(logDir, `${name}.log`), 'a');
    children[name] = spawn(process.execPath, [...args, path.join(root, entry)], { env, stdio: ['ignore', out, out] });
  };
  const stop = () => common.stopChildren(Object.values(children), 10000);
  try {
    for (const name of SERVICES) launch(name, `subgraphs/${name}/dist/index.js`, NODE_ARGS);
    launch('gateway', 'gateway/dist/index.js', []);
    await Promise.all(
      [...SERVICES, 'gateway'].map((name) => waitForHealth(`http://127.0.0.1:${base + OFFSETS[name]}/health`, children[name], name, 300_000)),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { children, stop, graphqlUrl: `http://127.0.0.1:${base}/graphql` };
}

/** Sends `count` requests, `concurrency` in flight; throws on the first error answer. */
async function send(pool, body, tokens, count, concurrency) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const response = await pool.request({
          path: '/graphql',
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
          body,
        });
        const text = await response.body.text();
        if (response.statusCode !== 200 || text.includes('"errors":[')) throw new Error(`error answer: ${text.slice(0, 400)}`);
      }
    }),
  );
}

async function main() {
  const systems = [];
  const stopAll = common.stopOnExit([() => Promise.all(systems.map((system) => system.stop()))]);
  try {
    for (const [index, { label, root }] of ROOTS.entries()) {
      const system = await startSystem(label, root, index);
      systems.push(system);
      const users = await common.signUpUsers(system.graphqlUrl, USERS);
      await common.seedTraders(system.graphqlUrl, users);
      Object.assign(system, { label, users, tokens: users.map((u) => u.token) });
      system.pool = new Pool(new URL(system.graphqlUrl).origin, { connections: CONCURRENCY, pipelining: 1 });
      system.cpu = {};
    }
    const bodies = {
      user: JSON.stringify({ query: USER_VIEW, operationName: 'UserView' }),
      market: JSON.stringify({ query: MARKET_DATA, operationName: 'MarketData' }),
    };
    for (const system of systems) {
      for (const name of QUERIES) await send(system.pool, bodies[name], system.tokens, Math.min(300, REQUESTS), CONCURRENCY); // warm-up
    }
    const perRound = Math.ceil(REQUESTS / ROUNDS);
    for (let round_ = 0; round_ < ROUNDS; round_ += 1) {
      for (const name of QUERIES) {
        for (const system of systems) {
          const before = Object.fromEntries(Object.entries(system.children).map(([proc, child]) => [proc, common.cpuMsOf(child.pid)]));
          const started = performance.now();
          await send(system.pool, bodies[name], system.tokens, perRound, CONCURRENCY);
          const spent = (system.cpu[name] ??= { seconds: 0, ms: {} });
          spent.seconds += (performance.now() - started) / 1000;
          for (const [proc, child] of Object.entries(system.children)) spent.ms[proc] = (spent.ms[proc] ?? 0) + common.cpuMsOf(child.pid) - before[proc];
        }
      }
    }
    const results = {};
    for (const system of systems) {
      results[system.label] = {};
      for (const name of QUERIES) {
        const { seconds, ms } = system.cpu[name];
        const total = perRound * ROUNDS;
        const perRequest = Object.fromEntries(Object.entries(ms).map(([proc, value]) => [proc, round(value / total, 3)]));
        results[system.label][name] = { rps: round(total / seconds, 1), cpu_ms_per_request: perRequest };
        log(`${system.label} ${name}: ${results[system.label][name].rps} req/s; CPU ms/request ${JSON.stringify(perRequest)}`);
      }
      await system.pool.close();
    }
    const direct = {};
    if (DIRECT) {
      for (const system of systems) {
        direct[system.label] = {};
        for (const [service, kind, body] of DIRECT_KINDS) {
          const url = system.graphqlUrl.replace(/:(\d+)\//, (_m, port) => `:${Number(port) + OFFSETS[service]}/`);
          const pool = new Pool(new URL(url).origin, { connections: 1, pipelining: 1 });
          const one = async (i) => {
            const user = system.users[i % system.users.length];
            const response = await pool.request({
              path: '/graphql',
              method: 'POST',
              // As the gateway calls a subgraph: with the system's internal credential (set by the harness).
              headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}`, 'x-internal-token': process.env.INTERNAL_API_TOKEN },
              body: JSON.stringify(body(user)),
            });
            const text = await response.body.text();
            if (response.statusCode !== 200 || text.includes('"errors":[')) throw new Error(`${service} ${kind}: ${text.slice(0, 300)}`);
          };
          for (let i = 0; i < 200; i += 1) await one(i);
          const pid = system.children[service].pid;
          const before = common.cpuMsOf(pid);
          const started = performance.now();
          for (let i = 0; i < REQUESTS; i += 1) await one(i);
          const ms = common.cpuMsOf(pid) - before;
          direct[system.label][`${service} ${kind}`] = { cpu_ms: round(ms / REQUESTS, 3), wall_ms: round((performance.now() - started) / REQUESTS, 3) };
          await pool.close();
        }
        log(`${system.label} direct, one at a time: ${JSON.stringify(direct[system.label])}`);
      }
    }
    console.log(JSON.stringify({ requests: perRound * ROUNDS, rounds: ROUNDS, concurrency: CONCURRENCY, loadavg: os.loadavg().map((l) => round(l)), results, direct }));
  } finally {
    await stopAll();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
