// Starts the real system for the end-to-end tests: one process per subgraph plus the gateway,
// on real PostgreSQL (a fresh database) and Redis, each process's JSON log in a file the tests
// can read. Plain JavaScript so jest's global setup and other scripts can share it.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { Client } = require('pg');
const Redis = require('ioredis');

const ROOT = path.resolve(__dirname, '..', '..');

// The system's internal credential (shared/src/internal-token.ts: every subgraph endpoint and
// internal route requires it). One per test run, given to every process started from here
// through the environment; test workers and benchmark peers inherit it too, so a test can call a
// subgraph as the gateway does (test/harness/env.ts INTERNAL_HEADERS).
process.env.INTERNAL_API_TOKEN ||= require('node:crypto').randomBytes(32).toString('base64url');
const SERVICES = ['accounts', 'markets', 'trading', 'funding', 'analytics', 'matching'];
const OFFSETS = { gateway: 0, accounts: 1, markets: 2, trading: 3, funding: 4, analytics: 5, matching: 6 };

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Deletes every key under `namespace` (REDIS_NAMESPACE): a fresh system starts without the cached
 * prices and counters an earlier run left there, as it starts on a fresh database.
 */
async function freshRedisNamespace(redisUrl, namespace) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Drops and creates `database` on the server of `adminUrl`. */
async function freshDatabase(adminUrl, database) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists "${database}" with (force)`);
    await client.query(`create database "${database}"`);
  } finally {
    await client.end();
  }
}

async function waitForHealth(url, child, name, timeoutMs = 180000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was healthy`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${name} was not healthy at ${url} within ${timeoutMs} ms`);
}

/**
 * Starts the processes. `env` adds to the environment; returns the addresses and a stop
 * function. Each process writes its log to `<logDir>/<name>.log`.
 */
// Every process a test started dies with the test process, even when a test timed out before it
// could stop its system (jest then exits the worker without running the stop).
const everyChild = new Set();
process.once('exit', () => {
  for (const child of everyChild) child.kill('SIGKILL');
});

/**
 * The two local chains (launcher/src/devnet.ts: real hardhat nodes with the test tokens) on
 * ports PORT_BASE + 545 and + 546, which funding's default CHAINS points at. Mining only per
 * transaction: a test that needs confirmations mines blocks itself (`hardhat_mine`).
 */
async function startChains(portBase, logDir) {
  const { startDevnets } = require(path.join(ROOT, 'launcher', 'dist', 'devnet.js'));
  const { devnetChains } = require(path.join(ROOT, 'shared', 'dist', 'index.js'));
  return startDevnets(devnetChains(portBase), { blockMs: 0, logFile: path.join(logDir, 'chains.log') });
}

/**
 * `chains: true` starts the local chains for this system (and stops them with it); otherwise
 * funding watches no chain (CHAINS=none).
 */
async function startSystem({ databaseUrl, redisUrl, database, portBase, logDir, env = {}, services = SERVICES, chains = false }) {
  const dbUrl = withDatabase(databaseUrl, database);
  fs.rmSync(logDir, { recursive: true, force: true });
  fs.mkdirSync(logDir, { recursive: true });
  const [runningChains] = await Promise.all([chains ? startChains(portBase, logDir) : [], freshDatabase(databaseUrl, database), freshRedisNamespace(redisUrl, database)]);
  const stopChains = () => Promise.all(runningChains.map((chain) => chain.stop()));
  const baseEnv = {
    ...process.env,
    DATABASE_URL: dbUrl,
    REDIS_URL: redisUrl,
    PORT_BASE: String(portBase),
    // Each test system hears only its own events, even when another run shares this Redis.
    REDIS_NAMESPACE: database,
    LOG_LEVEL: 'debug',
    PRICE_FEED: 'off',
    // Tests publish ticks dated long ago (history-export); only tick-retention's system prunes.
    PRICE_TICKS_RETENTION_DAYS: '0',
    MATCHING_DEMO_CREDITS: 'on',
    // A new withdrawal address is usable after 3 s, not a day (test/e2e/withdrawals.test.ts).
    WITHDRAWAL_ADDRESS_COOLOFF_SECONDS: '3',
    // KYC level 0 may withdraw at most 5 ETH a day (test/e2e/withdrawal-holds.test.ts).
    FUNDING_WITHDRAWAL_KYC_DAILY_LIMITS: '0/ETH:5',
    // Fee tiers move within a second of a trade (fees.test.ts), not a minute.
    FEE_TIER_REFRESH_MS: '500',
    // So few that recent-trades.test.ts pages from memory into the database.
    MATCHING_RECENT_TRADES_KEPT: '3',
    // The bootstrap admin of the test system (see test/harness/roles.ts).
    ADMIN_EMAILS: 'root-admin@tradegraph.test',
    // Every test talks from 127.0.0.1 with a few users, far faster than any client: the gateway's
    // rate limits (which hostile-rate-limits.test.ts checks on a system of its own) stay out of the way.
    RATE_LIMIT_REQUESTS_PER_MINUTE: '10000000',
    RATE_LIMIT_COST_PER_MINUTE: '1000000000',
    RATE_LIMIT_MONEY_PER_MINUTE: '10000000',
    RATE_LIMIT_SIGNUPS_PER_MINUTE: '1000000',
    // Every test signs up users of its own, all from this address: far beyond the default.
    RATE_LIMIT_SIGNUP_PER_IP: '1000000',
    // A browser page on this origin may call the gateway (test/e2e/browsers.test.ts serves one
    // there from inside Chromium); any other origin may not.
    CORS_ORIGINS: `http://127.0.0.1:${portBase + 98}`,
    ...(chains ? { FUNDING_WATCH_INTERVAL_MS: '100' } : { CHAINS: 'none' }),
    ...env,
  };
  const children = {};
  const launch = (name, entry, extraEnv = {}) => {
    const log = fs.openSync(path.join(logDir, `${name}.log`), 'a');
    const child = spawn(process.execPath, [path.join(ROOT, entry)], { env: { ...baseEnv, ...extraEnv }, stdio: ['ignore', log, log] });
    children[name] = child;
    everyChild.add(child);
    child.once('exit', () => everyChild.delete(child));
    return child;
  };
  // Accounts first: the others verify tokens against its key set.
  for (const name of services) launch(name, `subgraphs/${name}/dist/index.js`);
  launch('gateway', 'gateway/dist/index.js');
  try {
    // Subgraphs: ready (migrations ran, state loaded); the gateway: alive (its own /ready needs all
    // six subgraphs, and some test systems run fewer).
    await Promise.all(
      [...services, 'gateway'].map((name) =>
        waitForHealth(`http://127.0.0.1:${portBase + OFFSETS[name]}/${name === 'gateway' ? 'health' : 'ready'}`, children[name], name),
      ),
    );
  } catch (error) {
    // A system that did not come up is stopped here: the caller never gets a handle to stop it,
    // and its processes would keep the ports for the next run.
    for (const child of Object.values(children)) child.kill('SIGKILL');
    await stopChains();
    throw error;
  }
  return {
    gatewayUrl: `http://127.0.0.1:${portBase}`,
    databaseUrl: dbUrl,
    children,
    /** The local chains' JSON-RPC URLs by name (empty without `chains: true`). */
    chains: Object.fromEntries(runningChains.map((chain) => [chain.name, chain.rpcUrl])),
    /**
     * Starts a process again (after a test killed it) and waits until it is ready (the gateway:
     * alive). `env` adds to the system's environment for this start only (a fault hook, say).
     */
    async restart(name, env = {}) {
      const child = launch(name, name === 'gateway' ? 'gateway/dist/index.js' : `subgraphs/${name}/dist/index.js`, env);
      await waitForHealth(`http://127.0.0.1:${portBase + OFFSETS[name]}/${name === 'gateway' ? 'health' : 'ready'}`, child, name);
    },
    async stop() {
      await Promise.all(
        Object.values(children).map(
          (child) =>
            new Promise((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', resolve);
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 5000).unref();
            }),
        ),
      );
      await stopChains();
    },
  };
}

module.exports = { startSystem, freshDatabase, freshRedisNamespace, withDatabase, waitForHealth, ROOT, SERVICES, OFFSETS };
