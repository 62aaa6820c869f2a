import path from 'node:path';
// Addresses of the system that test/harness/global-setup.js started for this jest run.
export const GATEWAY_URL = process.env.E2E_GATEWAY_URL ?? 'http://127.0.0.1:14000';
export const GATEWAY_HTTP = `${GATEWAY_URL}/graphql`;
export const GATEWAY_WS = `${GATEWAY_URL.replace(/^http/, 'ws')}/graphql`;
export const DATABASE_URL = process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tradegraph_e2e';
export const REDIS_URL = process.env.E2E_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The namespace global-setup gave the test system's Redis channels (see shared redisName). */
export const REDIS_NAMESPACE = process.env.E2E_REDIS_NAMESPACE ?? 'tradegraph_e2e';
/** A channel of the test system, as a process publishing straight into Redis must name it. */
export const busChannel = (name: string, namespace = REDIS_NAMESPACE) => `${namespace}:${name}`;
/** The test system's local chains: JSON-RPC URL by chain name (test/harness/system.js startChains). */
export const CHAINS: Record<string, string> = JSON.parse(process.env.E2E_CHAINS ?? '{}');
export const LOG_DIR = process.env.E2E_LOG_DIR ?? '';
export const PORT_BASE = Number(process.env.E2E_PORT_BASE ?? 14000);
/** The test system's database name; tests that start systems of their own derive theirs from it. */
export const E2E_DATABASE = process.env.E2E_DATABASE ?? 'tradegraph_e2e';
/**
 * Tests that start a system of their own use ports and a database derived from this run's, so
 * two runs on one machine (a developer's and CI's) never share one.
 */
export const ownSystem = (offset: number, suffix: string) => ({ portBase: PORT_BASE + offset, database: `${E2E_DATABASE}_${suffix}` });

/**
 * Starts a system of a test's own (see `ownSystem`) on this run's Postgres and Redis, logging
 * to `.data/e2e-logs-<portBase>`. `options` picks the services and adds to the environment.
 */
export function startOwnSystem(
  portBase: number,
  database: string,
  options: { services?: string[]; env?: Record<string, string>; logDir?: string; chains?: boolean } = {},
) {
  const { startSystem, ROOT } = require('./system');
  return startSystem({
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: REDIS_URL,
    database,
    portBase,
    logDir: options.logDir ?? path.join(ROOT, '.data', `e2e-logs-${portBase}`),
    ...options,
  });
}

/** Where a subgraph of the test system listens (same offsets as shared/src/config.ts). */
export const SUBGRAPH_PORT_OFFSET = { accounts: 1, markets: 2, trading: 3, funding: 4, analytics: 5, matching: 6 } as const;
export const subgraphUrl = (name: keyof typeof SUBGRAPH_PORT_OFFSET) => `http://127.0.0.1:${PORT_BASE + SUBGRAPH_PORT_OFFSET[name]}`;

/**
 * What the gateway adds to every request to a subgraph: the system's internal credential (set
 * by test/harness/system.js for the whole run). A request to a subgraph without it is refused.
 */
export const INTERNAL_HEADERS: Record<string, string> = { 'x-internal-token': process.env.INTERNAL_API_TOKEN ?? '' };
