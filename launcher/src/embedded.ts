import path from 'node:path';
import {
  SUBGRAPH_NAMES,
  chainsOf,
  createLogger,
  dataDir,
  databaseUrl,
  reloadConfig,
  startSubgraph,
  stopOnSignals,
  type SubgraphDefinition,
  type SubgraphName,
  usesDevnetChains,
} from '@tradegraph/shared';
import { definition as accounts } from '@tradegraph/accounts';
import { definition as markets } from '@tradegraph/markets';
import { definition as trading } from '@tradegraph/trading';
import { definition as funding } from '@tradegraph/funding';
import { definition as analytics } from '@tradegraph/analytics';
import { definition as matching } from '@tradegraph/matching';
import { startGateway } from '@tradegraph/gateway';
import { startEmbeddedPostgres } from './embedded-postgres';
import { startDevnets } from './devnet';
import { announce } from './announce';

const definitions: Record<SubgraphName, SubgraphDefinition<any, any>> = { accounts, markets, trading, funding, analytics, matching };

/**
 * The embedded default: every subgraph and the gateway in this one process, with in-process
 * pub/sub, on DATABASE_URL if given or else on an embedded PostgreSQL server kept in DATA_DIR.
 * Stopped in reverse: the gateway first (clients are told to go away), then the subgraphs
 * (matching writes its snapshot), then the database.
 */
export async function runEmbedded(): Promise<void> {
  const logger = createLogger('start');
  process.env.TRADEGRAPH_EMBEDDED = '1';
  // The embedded system is a demo: let people fund a trading balance until funding exists.
  process.env.MATCHING_DEMO_CREDITS ??= 'on';
  // Every service of this process reads the configuration with the two settings above.
  const settings = reloadConfig();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((error: unknown) => logger.warn({ err: error }, 'stop failed'));
  };
  // A signal during start-up stops what has started so far.
  stopOnSignals(stopAll, logger);

  // The local chains start beside the database (the watchers wait for neither).
  const chains = usesDevnetChains(settings)
    ? startDevnets(chainsOf(settings), { blockMs: settings.DEVNET_BLOCK_MS, logFile: path.join(dataDir(), 'chains.log'), logger }).then((running) => {
        for (const chain of running) stops.push(chain.stop);
        return running;
      })
    : Promise.resolve([]);
  // Awaited (and its failure reported) with the database's start, below.
  chains.catch(() => {});

  let url = databaseUrl();
  let database = url ? redact(url) : '';
  if (!url) {
    const port = settings.EMBEDDED_PG_PORT ?? settings.PORT_BASE + 432;
    const postgres = await startEmbeddedPostgres({ dataDir: dataDir(), port, logger });
    stops.push(postgres.stop);
    url = postgres.url;
    database = `${postgres.displayUrl} (embedded PostgreSQL, data in ${path.resolve(dataDir(), 'postgres')}, password in ${postgres.passwordFile})`;
    logger.info({ port, dataDir: path.resolve(dataDir(), 'postgres') }, 'embedded PostgreSQL started');
  }
  try {
    await chains;
  } catch (error) {
    await stopAll();
    throw error;
  }
  // Started together: matching waits for markets' listing, markets catches its candles up once
  // matching answers; neither needs the other to be first.
  try {
    await Promise.all(
      SUBGRAPH_NAMES.map(async (name) => {
        const subgraph = await startSubgraph(definitions[name], { databaseUrl: url! });
        stops.push(subgraph.stop);
      }),
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
  const gateway = await startGateway();
  stops.push(gateway.stop);
  announce({
    mode: 'embedded, one process',
    playground: `http://127.0.0.1:${gateway.port}/`,
    database,
    redis: 'none (in-process pub/sub)',
    ...((await chains).length > 0 ? { chains: (await chains).map((chain) => `${chain.name} ${chain.rpcUrl}`).join(', ') + ' (local hardhat nodes)' } : {}),
  });
}

/** A connection URL without its password, for logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
