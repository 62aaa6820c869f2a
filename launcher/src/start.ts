// First: tracing patches http, pg and ioredis as they load (on only with OTEL_EXPORTER_OTLP_ENDPOINT; see shared/src/tracing.ts).
// The embedded system runs in this process and is traced as one service; in the multi-process mode each child traces itself.
require('@tradegraph/shared/tracing').startTracing('tradegraph');
import path from 'node:path';
import {
  SUBGRAPH_NAMES,
  chainsOf,
  config,
  createLogger,
  dataDir,
  databaseUrl,
  gatewayPublicUrl,
  redisUrl,
  shutdownTimeoutMs,
  stopOnSignals,
  usesDevnetChains,
} from '@tradegraph/shared';
import { runEmbedded, redact } from './embedded';
import { Supervisor } from './supervisor';
import { announce } from './announce';
import { startDevnets, type RunningChain } from './devnet';

/**
 * `npm start`.
 * - With DATABASE_URL and REDIS_URL: one process per subgraph plus the gateway, events over
 *   Redis, each process supervised (restarted with backoff when it crashes).
 * - Otherwise the embedded default: everything in this one process (see embedded.ts).
 */
const logger = createLogger('start');

async function runProcesses(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  const supervisor = new Supervisor([
    ...SUBGRAPH_NAMES.map((name) => ({ name, entry: path.join(root, 'subgraphs', name, 'dist', 'index.js') })),
    { name: 'gateway', entry: path.join(root, 'gateway', 'dist', 'index.js') },
  ]);
  // With CHAINS unset funding watches the local pair: started here, as in the embedded mode,
  // before funding, and stopped after the processes. (Each node also ends when this process
  // does, however it ends: it watches its parent.)
  const settings = config();
  let chains: RunningChain[] = [];
  // The supervisor waits for its children's own orderly shutdowns, which are bounded by the same timeout.
  stopOnSignals(
    async () => {
      await supervisor.stop();
      await Promise.all(chains.map((chain) => chain.stop()));
    },
    logger,
    shutdownTimeoutMs() + 5000,
  );
  if (usesDevnetChains(settings)) {
    chains = await startDevnets(chainsOf(settings), { blockMs: settings.DEVNET_BLOCK_MS, logFile: path.join(dataDir(), 'chains.log'), logger });
  }
  supervisor.start();
  const gateway = gatewayPublicUrl();
  await waitUntilReady(`${gateway}/ready`);
  announce({
    mode: `one process per service, ${SUBGRAPH_NAMES.length + 1} supervised processes`,
    playground: `${gateway}/`,
    database: redact(databaseUrl()!),
    redis: redact(redisUrl()!),
    ...(chains.length > 0 ? { chains: `${chains.map((chain) => `${chain.name} ${chain.rpcUrl}`).join(', ')} (local hardhat nodes)` } : {}),
  });
}

/** Waits quietly for the gateway to be ready: one line if it takes a while, none if it does not. */
async function waitUntilReady(url: string): Promise<void> {
  const startedAt = Date.now();
  let told = false;
  for (;;) {
    const ready = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    if (!told && Date.now() - startedAt > 15_000) {
      logger.info({ url }, 'waiting for every subgraph to be ready');
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const run = databaseUrl() && redisUrl() ? runProcesses : runEmbedded;
run().catch((error: unknown) => {
  logger.fatal({ err: error }, 'failed to start');
  logger.flush();
  process.exit(1);
});
