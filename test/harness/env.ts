// Addresses of the system that test/harness/global-setup.js started for this jest run.
export const GATEWAY_URL = process.env.E2E_GATEWAY_URL ?? 'http://127.0.0.1:14000';
export const GATEWAY_HTTP = `${GATEWAY_URL}/graphql`;
export const GATEWAY_WS = `${GATEWAY_URL.replace(/^http/, 'ws')}/graphql`;
export const DATABASE_URL = process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tradegraph_e2e';
export const REDIS_URL = process.env.E2E_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const LOG_DIR = process.env.E2E_LOG_DIR ?? '';
export const PORT_BASE = Number(process.env.E2E_PORT_BASE ?? 14000);

/** Where a subgraph of the test system listens (same offsets as shared/src/config.ts). */
export const SUBGRAPH_PORT_OFFSET = { accounts: 1, markets: 2, trading: 3, funding: 4, analytics: 5, matching: 6 } as const;
export const subgraphUrl = (name: keyof typeof SUBGRAPH_PORT_OFFSET) => `http://127.0.0.1:${PORT_BASE + SUBGRAPH_PORT_OFFSET[name]}`;
