import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import {
  SUBGRAPH_NAMES,
  createLogger,
  dataDir,
  databaseUrl,
  portBase,
  portOf,
  redisUrl,
  startSubgraph,
  type RunningSubgraph,
  type SubgraphDefinition,
  type SubgraphName,
} from '@tradegraph/shared';
import { definition as accounts } from '@tradegraph/accounts';
import { definition as markets } from '@tradegraph/markets';
import { definition as trading } from '@tradegraph/trading';
import { definition as funding } from '@tradegraph/funding';
import { definition as analytics } from '@tradegraph/analytics';
import { definition as matching } from '@tradegraph/matching';
import { startGateway } from './server';
import { startEmbeddedPostgres } from './embedded-postgres';

/**
 * `npm start`.
 * - With DATABASE_URL and REDIS_URL: one process per subgraph plus the gateway, events over Redis.
 * - Otherwise, the embedded default: every subgraph and the gateway in this one process with
 *   in-process pub/sub, on DATABASE_URL if given or else an embedded PostgreSQL (PGlite) kept
 *   in DATA_DIR (default .data).
 */
const definitions: Record<SubgraphName, SubgraphDefinition<any>> = { accounts, markets, trading, funding, analytics, matching };
const logger = createLogger('start');

async function runEmbedded(): Promise<void> {
  process.env.TRADEGRAPH_EMBEDDED = '1';
  // The embedded system is a demo: let people fund a trading balance until funding exists.
  process.env.MATCHING_DEMO_CREDITS ??= 'on';
  const stops: (() => Promise<void>)[] = [];
  let url = databaseUrl();
  if (!url) {
    const port = Number(process.env.EMBEDDED_PG_PORT ?? portBase() + 432);
    const postgres = await startEmbeddedPostgres(dataDir(), port);
    stops.push(postgres.stop);
    url = postgres.url;
    logger.info({ port, dataDir: path.resolve(dataDir(), 'pglite') }, 'embedded PostgreSQL (PGlite) started');
  }
  // One after another: on PGlite every connection shares one session, so migrations go in turn.
  const running: RunningSubgraph[] = [];
  for (const name of SUBGRAPH_NAMES) running.push(await startSubgraph(definitions[name], { databaseUrl: url }));
  const gateway = await startGateway();
  stops.unshift(gateway.stop, ...running.map((s) => s.stop));
  logger.info({ url: `http://127.0.0.1:${gateway.port}/` }, 'Tradegraph is running (embedded)');
  logger.flush();

  const shutdown = async () => {
    for (const stop of stops) await stop().catch((error: unknown) => logger.warn({ err: error }, 'stop failed'));
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

function runProcesses(): void {
  const root = path.resolve(__dirname, '..', '..');
  const children: ChildProcess[] = [];
  const launch = (name: string, entry: string) => {
    const child = spawn(process.execPath, [path.join(root, entry)], { stdio: 'inherit', env: process.env });
    child.on('exit', (code, signal) => {
      logger.error({ process: name, code, signal }, 'process exited; stopping the system');
      stopAll(1);
    });
    children.push(child);
  };
  let stopping = false;
  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const child of children) child.kill('SIGTERM');
    setTimeout(() => process.exit(code), 3000).unref();
  };
  for (const name of SUBGRAPH_NAMES) launch(name, `subgraphs/${name}/dist/index.js`);
  launch('gateway', 'gateway/dist/index.js');
  logger.info(
    { url: `http://127.0.0.1:${portOf('gateway')}/`, processes: children.length },
    'Tradegraph is starting (one process per service)',
  );
  process.once('SIGTERM', () => stopAll(0));
  process.once('SIGINT', () => stopAll(0));
}

if (databaseUrl() && redisUrl()) runProcesses();
else
  runEmbedded().catch((error: unknown) => {
    logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  });
