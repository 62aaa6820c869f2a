import { cacheControlDirective, config, type SubgraphDefinition } from '@tradegraph/shared';
import { FillRecord, OrderRecord, createLoaders, migrations, type MatchingLoaders } from './infra';
import { journalMetrics } from './app/journal-metrics';
import { EngineHost } from './app/engine-host';
import { DEFAULT_FEE_TIERS, parseFeeSchedule } from './domain/fees';
import type { MatchingServices } from './app/services';
import { balanceAdjustRoute, balanceTotalsRoute, engineStateRoute, tradeHistoryRoute } from './api/routes';
import { referenceResolvers } from './api/references';
import {
  BalanceResolver,
  FeeScheduleResolver,
  FillResolver,
  MarketFeesResolver,
  RecentTradesResolver,
  UserFeeTierResolver,
  MarketOrderBookResolver,
  OrderBookResolver,
  OrderResolver,
  UserOrdersResolver,
} from './api/resolvers';
import { Market, User } from './api/types';

/** The matching subgraph: the engine behind its API (docs/architecture.md, "An order, end to end"). */
export const definition: SubgraphDefinition<MatchingLoaders, MatchingServices> = {
  name: 'matching',
  resolvers: [
    OrderResolver,
    FillResolver,
    BalanceResolver,
    OrderBookResolver,
    MarketOrderBookResolver,
    UserOrdersResolver,
    MarketFeesResolver,
    UserFeeTierResolver,
    FeeScheduleResolver,
    RecentTradesResolver,
  ],
  // Order books are public market data with a short cache hint (see OrderBookResolver).
  directives: [cacheControlDirective],
  orphanedTypes: [Market, User],
  entities: [OrderRecord, FillRecord],
  migrations,
  webhookOutbox: true,
  createLoaders,
  referenceResolvers,
  prepare: async ({ orm, bus, logger, registry, webhooks }) => {
    // A bad FEE_TIERS stops the start, naming the variable.
    const feeSchedule = parseFeeSchedule(config().FEE_TIERS ?? DEFAULT_FEE_TIERS);
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
      feeSchedule,
      recentTradesKept: config().MATCHING_RECENT_TRADES_KEPT,
    });
    return { engine, demoCredits: config().MATCHING_DEMO_CREDITS === true, feeSchedule };
  },
  routes: (app, { orm }, services) => {
    tradeHistoryRoute(app, orm);
    engineStateRoute(app, services);
    balanceAdjustRoute(app, services);
    balanceTotalsRoute(app, services);
  },
  start: async ({ logger }, { engine }) => {
    /** How often the sequencer's clock advances with no traffic, so DAY/GTD orders expire on time. */
    const tickIntervalMs = config().MATCHING_TICK_MS;
    // The engine in service at each tick: a rebuilt one replaces it after a journal failure.
    const timer = setInterval(() => engine.tick(), tickIntervalMs);
    let refreshing: Promise<unknown> = Promise.resolve();
    const feeTimer = setInterval(() => {
      refreshing = refreshing.then(() => engine.refreshFeeTiers()).catch((error: unknown) => logger.warn({ err: error }, 'fee tier refresh failed'));
    }, config().FEE_TIER_REFRESH_MS);
    return async () => {
      clearInterval(timer);
      clearInterval(feeTimer);
      await refreshing;
      const state = await engine.stop();
      logger.info(state, 'engine stopped with a snapshot');
    };
  },
};
