import { cacheControlDirective, config, type SubgraphDefinition } from '@tradegraph/shared';
import { FillRecord, OrderRecord, createLoaders, migrations, type MatchingLoaders } from './infra';
import { journalMetrics } from './app/journal-metrics';
import { EngineHost } from './app/engine-host';
import type { MatchingServices } from './app/services';
import { balanceAdjustRoute, engineStateRoute, tradeHistoryRoute } from './api/routes';
import { referenceResolvers } from './api/references';
import {
  BalanceResolver,
  FillResolver,
  MarketOrderBookResolver,
  OrderBookResolver,
  OrderResolver,
  UserOrdersResolver,
} from './api/resolvers';
import { Market, User } from './api/types';

/** The matching subgraph: the engine behind its API (docs/architecture.md, "An order, end to end"). */
export const definition: SubgraphDefinition<MatchingLoaders, MatchingServices> = {
  name: 'matching',
  resolvers: [OrderResolver, FillResolver, BalanceResolver, OrderBookResolver, MarketOrderBookResolver, UserOrdersResolver],
  // Order books are public market data with a short cache hint (see OrderBookResolver).
  directives: [cacheControlDirective],
  orphanedTypes: [Market, User],
  entities: [OrderRecord, FillRecord],
  migrations,
  webhookOutbox: true,
  createLoaders,
  referenceResolvers,
  prepare: async ({ orm, bus, logger, registry, webhooks }) => {
    const engine = await EngineHost.open({
      orm,
      bus,
      logger,
      webhooks,
      journal: journalMetrics(registry),
      // A snapshot of a book with 8,000 resting orders is 4 MB of JSON, about 15 ms of this
      // process and 100 ms of Postgres; replaying 100,000 journaled commands at a restart takes
      // about half a second (131,000 in 0.54 s: 0.32 reading, 0.21 applying). So one per 100,000.
      snapshotEvery: config().MATCHING_SNAPSHOT_EVERY,
      finishedOrdersKept: config().MATCHING_FINISHED_ORDERS_KEPT,
    });
    return { engine, demoCredits: config().MATCHING_DEMO_CREDITS === true };
  },
  routes: (app, { orm }, services) => {
    tradeHistoryRoute(app, orm);
    engineStateRoute(app, services);
    balanceAdjustRoute(app, services);
  },
  start: async ({ logger }, { engine }) => {
    /** How often the sequencer's clock advances with no traffic, so DAY/GTD orders expire on time. */
    const tickIntervalMs = config().MATCHING_TICK_MS;
    // The engine in service at each tick: a rebuilt one replaces it after a journal failure.
    const timer = setInterval(() => engine.tick(), tickIntervalMs);
    return async () => {
      clearInterval(timer);
      const state = await engine.stop();
      logger.info(state, 'engine stopped with a snapshot');
    };
  },
};
