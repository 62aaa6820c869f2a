// What every system benchmark shares: starting the real processes from `dist` on real
// PostgreSQL and Redis (through the e2e harness's startSystem), signing up users, running a load
// generator as a separate process, and writing `bench/results/<name>.json`. Plain JavaScript
// like the harness, so the benchmarks run without a build step of their own.
const { fork, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { freshDatabase, freshRedisNamespace, withDatabase, waitForHealth, ROOT, SERVICES, OFFSETS } = require('../../test/harness/system.js');

const BENCH_DIR = path.resolve(__dirname, '..');
// Where the processes' `dist` comes from: this checkout, or BENCH_SYSTEM_ROOT (a built copy of
// a commit, to measure a fixed version while the working tree is being edited).
const SYSTEM_ROOT = process.env.BENCH_SYSTEM_ROOT ?? ROOT;
const RESULTS_DIR = path.join(BENCH_DIR, 'results');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function intEnv(name, fallback) {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : Number(raw);
}

/** SIGTERM to each child process, SIGKILL after `graceMs`; resolves when all have exited. */
function stopChildren(children, graceMs) {
  return Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
        }),
    ),
  );
}

/**
 * Starts the six subgraphs and our gateway from `dist` (the e2e harness's way: one process each,
 * a fresh database, JSON logs in `.data/bench-logs-<name>`), but keeps hold of every child so a
 * failed start stops the ones that did come up. The database and Redis namespace are the
 * benchmark's own (`tg_bench_<name>`), so a run never disturbs tests or other benchmarks.
 * LOG_LEVEL is `info` as in production, not the tests' `debug`.
 */
async function startBenchSystem(name, { portBase, env = {} } = {}) {
  const database = process.env.BENCH_DATABASE ?? `tg_bench_${name}`;
  const namespace = process.env.BENCH_REDIS_NAMESPACE ?? database;
  // The benchmark's processes and peers use base … base+19; move up in steps of 100 past busy
  // ports, never into the ephemeral range.
  let base = outsideEphemeralRange(portBase ?? benchPortBase(), 20);
  while (!(await portsFree(base, 20))) {
    const next = outsideEphemeralRange(base + 100, 20);
    log(`ports ${base}-${base + 19} are in use; trying ${next}`);
    base = next;
  }
  const dbUrl = withDatabase(DATABASE_URL, database);
  await freshDatabase(DATABASE_URL, database);
  // And no cached prices or counters from the previous run in its Redis namespace.
  await freshRedisNamespace(REDIS_URL, namespace);
  const logDir = path.join(ROOT, '.data', `bench-logs-${name}`);
  fs.rmSync(logDir, { recursive: true, force: true });
  fs.mkdirSync(logDir, { recursive: true });
  const childEnv = {
    ...process.env,
    DATABASE_URL: dbUrl,
    REDIS_URL,
    PORT_BASE: String(base),
    REDIS_NAMESPACE: namespace,
    LOG_LEVEL: 'info',
    PRICE_FEED: 'off',
    MATCHING_DEMO_CREDITS: 'on',
    // Benchmarks open thousands of sockets from one address and a few users,
    WS_MAX_SOCKETS_PER_IP: '0',
    WS_MAX_SOCKETS_PER_USER: '0',
    // and send thousands of requests a second from them: the gateway's rate limits are off.
    RATE_LIMITS: 'off',
    // Benchmarks sign up thousands of users from this one address.
    RATE_LIMIT_SIGNUP_PER_IP: '1000000',
    ...env,
  };
  const children = {};
  const launch = (proc, entry, extraArgs = []) => {
    const out = fs.openSync(path.join(logDir, `${proc}.log`), 'a');
    children[proc] = spawn(process.execPath, [...extraArgs, path.join(SYSTEM_ROOT, entry)], { env: childEnv, stdio: ['ignore', out, out] });
    return children[proc];
  };
  const stop = () => stopChildren(Object.values(children), 5000);
  // BENCH_SERVICES=accounts,matching starts only those (when another subgraph is broken mid-edit).
  const services = process.env.BENCH_SERVICES ? process.env.BENCH_SERVICES.split(',') : SERVICES;
  try {
    // BENCH_GATEWAY_NODE_ARGS, BENCH_MATCHING_NODE_ARGS, …: node options for one process
    // (`--cpu-prof --cpu-prof-dir=/tmp/prof`, `--trace-gc`).
    const nodeArgs = (proc) => process.env[`BENCH_${proc.toUpperCase()}_NODE_ARGS`]?.split(' ') ?? [];
    for (const sub of services) launch(sub, `subgraphs/${sub}/dist/index.js`, nodeArgs(sub));
    launch('gateway', 'gateway/dist/index.js', nodeArgs('gateway'));
    await Promise.all(
      [...services, 'gateway'].map((proc) =>
        waitForHealth(`http://127.0.0.1:${base + OFFSETS[proc]}/health`, children[proc], proc, 300_000),
      ),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const gatewayUrl = `http://127.0.0.1:${base}`;
  return {
    children,
    stop,
    env: childEnv,
    portBase: base,
    database,
    databaseUrl: dbUrl,
    namespace,
    logDir,
    gatewayUrl,
    graphqlUrl: `${gatewayUrl}/graphql`,
  };
}

/**
 * Where the benchmarks' servers listen by default: below Linux's default ephemeral range
 * (32768–60999). Outgoing sockets take their local port from that range, so a server started
 * after 10,000 client sockets (a peer the subscription benchmark starts late) could find its
 * port taken (EADDRINUSE) if it lay inside it.
 */
const DEFAULT_PORT_BASE = 22000;

/** The port base of a benchmark's system: BENCH_PORT_BASE (22000) plus the benchmark's own offset (0, 20, 40, 60). */
function benchPortBase(offset = 0) {
  return intEnv('BENCH_PORT_BASE', DEFAULT_PORT_BASE) + offset;
}

/** The kernel's ephemeral port range, from which outgoing connections take their local ports. */
function ephemeralPortRange() {
  try {
    const [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low <= high) return { low, high };
  } catch {
    // Not Linux: assume Linux's default, IANA's (49152–65535) lies inside it.
  }
  return { low: 32768, high: 65535 };
}

/**
 * `base` when ports base … base+count-1 lie outside the ephemeral range, else the first base past
 * it; throws when no such ports exist (a range that covers nearly every port).
 */
function outsideEphemeralRange(base, count) {
  const { low, high } = ephemeralPortRange();
  if (base + count - 1 < low || base > high) return base;
  if (high + count <= 65535) {
    log(`ports ${base}-${base + count - 1} lie in the ephemeral range ${low}-${high}; using ${high + 1}`);
    return high + 1;
  }
  throw new Error(`ports ${base}-${base + count - 1} lie in the ephemeral range ${low}-${high}: set BENCH_PORT_BASE below ${low - count}`);
}

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

async function portsFree(base, count) {
  for (let port = base; port < base + count; port += 1) if (!(await portFree(port))) return false;
  return true;
}

/** A GraphQL request over HTTP; throws on GraphQL errors so setup problems surface at once. */
async function gql(url, query, variables = {}, token) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Runs `task(i)` for i in [0, count) with at most `parallel` at a time. */
async function inParallel(count, parallel, task) {
  const results = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/**
 * Signs up `count` users (password hashing makes this the slow part of setup: a few ms of
 * argon2 each, four at a time on the accounts subgraph's thread pool).
 */
async function signUpUsers(url, count) {
  const started = Date.now();
  const users = await inParallel(count, 8, async () => {
    const email = `bench-${randomUUID()}@example.com`;
    const data = await gql(url, 'mutation ($e: String!, $p: String!) { signUp(email: $e, password: $p) { accessToken user { id } } }', {
      e: email,
      p: 'correct horse battery staple',
    });
    return { id: data.signUp.user.id, email, token: data.signUp.accessToken };
  });
  log(`signed up ${count} users in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return users;
}

/** The supergraph with its subgraph URLs pointing at the benchmark system's ports. */
function supergraphFor(portBase) {
  const sdl = fs.readFileSync(path.join(SYSTEM_ROOT, 'schema', 'supergraph.graphql'), 'utf8');
  return sdl.replace(
    /url: "http:\/\/127\.0\.0\.1:40(\d\d)\/graphql"/g,
    (_m, offset) => `url: "http://127.0.0.1:${portBase + Number(offset)}/graphql"`,
  );
}

/**
 * Runs the load generator (`lib/http-load.js` or another script) as its own process and
 * resolves with the JSON it prints last. The load never shares a process with what it measures.
 */
function runLoad(script, config, { quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    // BENCH_HTTP_LOAD_NODE_ARGS: extra node options for the load generator (e.g. --cpu-prof).
    const nodeArgs = process.env[`BENCH_${script.replace('.js', '').replaceAll('-', '_').toUpperCase()}_NODE_ARGS`]?.split(' ') ?? [];
    const child = spawn(process.execPath, ['--max-old-space-size=2048', ...nodeArgs, path.join(__dirname, script)], {
      stdio: ['pipe', 'pipe', quiet ? 'ignore' : 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const lines = out.trim().split('\n');
      try {
        if (code !== 0) throw new Error(`${script} exited with ${code}`);
        resolve(JSON.parse(lines[lines.length - 1]));
      } catch (error) {
        reject(new Error(`${script}: ${error.message}\n${out.slice(-2000)}`));
      }
    });
    child.stdin.end(JSON.stringify(config));
  });
}

/** Reads the JSON config a load generator was given on stdin. */
async function readConfig() {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return JSON.parse(text);
}

/** Resident memory of a process in bytes (Linux /proc), for per-socket figures. */
function rssOf(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : NaN;
}

/** CPU time (user+system, ms) a process has used so far (Linux /proc). */
function cpuMsOf(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

/** CPU time (ms) used so far by every process whose command name starts with `prefix` (`postgres`, `redis-server`). */
function cpuMsOfCommand(prefix) {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').startsWith(prefix)) total += cpuMsOf(Number(entry));
    } catch {
      // The process ended between listing and reading.
    }
  }
  return total;
}

/**
 * Where the machine's CPU went during a phase: call it before, `stop()` after, which returns the
 * cores used (1 = one core busy the whole time) by each named process (`{name: pid}`) and by all
 * of Postgres's and Redis's processes. (Not the machine's total from /proc/stat: on this VM its
 * busy and idle times did not add up to the wall time, so it is left out rather than misread.)
 */
function cpuBreakdown(processes) {
  const sample = () => ({
    at: performance.now(),
    procs: Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuMsOf(pid)])),
    postgres: cpuMsOfCommand('postgres'),
    redis: cpuMsOfCommand('redis-server'),
  });
  const before = sample();
  return {
    stop() {
      const after = sample();
      const wall = after.at - before.at;
      const cores = (ms) => round(ms / wall, 2);
      const result = {};
      for (const name of Object.keys(processes)) result[name] = cores(after.procs[name] - before.procs[name]);
      // Never below 0: a Postgres backend that exits during the phase takes its CPU time with it.
      result.postgres = Math.max(0, cores(after.postgres - before.postgres));
      result.redis = cores(after.redis - before.redis);
      result.total = round(
        Object.values(result).reduce((sum, value) => sum + value, 0),
        2,
      );
      return result;
    },
  };
}

/** A `cpuBreakdown` result as one log line: `gateway 0.45, matching 0.36, …`. */
function coresText(cores) {
  return Object.entries(cores)
    .map(([what, value]) => `${what} ${value}`)
    .join(', ');
}

function machine() {
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    node: process.version,
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function writeResult(name, result) {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  const body = { ...result, machine: machine(), at: new Date().toISOString() };
  fs.writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  log(`wrote ${path.relative(ROOT, file)}`);
  return body;
}

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Stops child processes when the benchmark ends, however it ends. */
function stopOnExit(stops) {
  let stopping = null;
  const stopAll = () => (stopping ??= Promise.allSettled(stops.map((stop) => stop())));
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  return stopAll;
}

const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** 100,000 demo USDT for each user, so their orders are never refused for funds. */
async function creditTraders(url, users) {
  await inParallel(users.length, 8, (i) =>
    gql(
      url,
      'mutation ($k: String!) { creditDemoFunds(asset: "USDT", amount: "100000", idempotencyKey: $k) { available } }',
      { k: randomUUID() },
      users[i].token,
    ),
  );
}

/** State for the benchmarks' user queries to return: a USDT balance and two resting BTC-USDT buys per user. */
async function seedTraders(url, users) {
  await creditTraders(url, users);
  await inParallel(users.length, 8, async (i) => {
    const { token } = users[i];
    for (const price of [String(1000 + i), String(2000 + i)]) {
      await gql(
        url,
        'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
        { input: { market: 'BTC-USDT', side: 'buy', type: 'limit', quantity: '0.01', price, clientOrderId: randomUUID() } },
        token,
      );
    }
  });
}

/** A helper script of `lib/` (ws-clients.js, price-publisher.js) forked and asked over IPC, one request at a time. */
function forkHelper(script) {
  const child = fork(path.join(__dirname, script), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // BENCH_WS_CLIENTS_NODE_ARGS, BENCH_PRICE_PUBLISHER_NODE_ARGS: extra node options (e.g. --cpu-prof).
    execArgv: [
      '--max-old-space-size=3072',
      ...(process.env[`BENCH_${script.replace('.js', '').replaceAll('-', '_').toUpperCase()}_NODE_ARGS`]?.split(' ') ?? []),
    ],
  });
  return {
    child,
    ask(message, expect) {
      return new Promise((resolve, reject) => {
        const onMessage = (reply) => {
          if (reply.type === 'error') reject(new Error(`${script}: ${reply.message}`));
          else if (reply.type === expect) resolve(reply);
          else return;
          child.off('message', onMessage);
        };
        child.on('message', onMessage);
        child.send(message);
      });
    },
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}

module.exports = {
  forkHelper,
  ROOT,
  SYSTEM_ROOT,
  BENCH_DIR,
  DATABASE_URL,
  REDIS_URL,
  intEnv,
  benchPortBase,
  outsideEphemeralRange,
  startBenchSystem,
  gql,
  inParallel,
  signUpUsers,
  creditTraders,
  seedTraders,
  supergraphFor,
  runLoad,
  readConfig,
  rssOf,
  cpuMsOf,
  cpuMsOfCommand,
  cpuBreakdown,
  coresText,
  machine,
  writeResult,
  log,
  stopOnExit,
  waitForHealth,
  stopChildren,
  round,
};
