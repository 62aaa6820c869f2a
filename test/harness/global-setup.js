// jest global setup: one real system (six subgraphs + gateway on PostgreSQL and Redis) for all
// end-to-end tests of this run. Its addresses reach the test workers through the environment.
const path = require('node:path');
const { startSystem, ROOT } = require('./system');

module.exports = async function globalSetup() {
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const portBase = Number(process.env.E2E_PORT_BASE ?? 14000);
  // Overridable so two runs on one machine (say, a developer's and CI's) do not collide.
  const database = process.env.E2E_DATABASE ?? 'tradegraph_e2e';
  const logDir = path.join(ROOT, '.data', `e2e-logs-${portBase}`);
  const system = await startSystem({ databaseUrl, redisUrl, database, portBase, logDir, chains: true });
  globalThis.__TRADEGRAPH_SYSTEM__ = system;
  process.env.E2E_GATEWAY_URL = system.gatewayUrl;
  process.env.E2E_DATABASE_URL = system.databaseUrl;
  process.env.E2E_REDIS_URL = redisUrl;
  process.env.E2E_REDIS_NAMESPACE = database;
  process.env.E2E_LOG_DIR = logDir;
  process.env.E2E_PORT_BASE = String(portBase);
  process.env.E2E_CHAINS = JSON.stringify(system.chains);
};
