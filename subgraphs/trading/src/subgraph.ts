import { randomUUID } from 'node:crypto';
import { canReadUserData, type SubgraphDefinition } from '@tradegraph/shared';
import { ListedMarkets, PriceAlertRecord, createLoaders, listingUrl, migrations, type TradingLoaders } from './infra';
import { PriceAlerts, maxAlertsPerUser } from './app/price-alerts';
import { AlertEngine } from './app/alert-engine';
import type { TradingServices } from './app/services';
import { followListing } from './events/listing';
import { AlertAnnouncer, followAlertChanges } from './events/alert-events';
import { PriceTicks } from './events/price-ticks';
import { AlertTriggeredResolver, PriceAlertResolver, UserAlertsResolver } from './api/resolvers';
import { Market, User } from './api/types';
import type { Context } from './api/context';

/** While markets' listing cannot be loaded at start, trading asks again this often. */
const LISTING_RETRY_MS = 2000;

export const definition: SubgraphDefinition<TradingLoaders, TradingServices> = {
  name: 'trading',
  resolvers: [PriceAlertResolver, AlertTriggeredResolver, UserAlertsResolver],
  orphanedTypes: [Market, User],
  entities: [PriceAlertRecord],
  migrations,
  webhookOutbox: true,
  createLoaders,
  referenceResolvers: {
    PriceAlert: {
      __resolveReference: async (ref: { id: string }, ctx: Context) => {
        const alert = await ctx.loaders.alertById.load(ref.id);
        return alert && canReadUserData(ctx.viewer, alert.userId) ? alert : null;
      },
    },
    User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
  },
  prepare: async ({ orm, bus, logger, registry, webhooks }) => {
    const listing = new ListedMarkets(listingUrl());
    const ticks = new PriceTicks(bus, (event, market) => engine.onPrice(event, market), logger);
    const announcer = new AlertAnnouncer(bus, logger, randomUUID());
    const engine: AlertEngine = new AlertEngine({
      em: () => orm.em.fork(),
      webhooks,
      announcer,
      logger,
      registry,
      follow: (market) => ticks.follow(market),
    });
    // Every active alert is in the index before the server answers.
    const markets = await engine.load();
    logger.info({ alerts: engine.index.size, markets: markets.length }, 'price alerts loaded');
    return { listing, engine, ticks, announcer, alerts: new PriceAlerts(listing, maxAlertsPerUser(), engine) };
  },
  start: async ({ bus, logger }, { listing, engine, ticks, announcer }) => {
    for (const market of engine.index.alertMarkets()) ticks.follow(market);
    const stopListing = followListing(bus, listing, logger, (symbol) => ticks.follow(symbol));
    const stopChanges = followAlertChanges(
      bus,
      announcer.origin,
      (id) => void engine.refresh([id]).catch((error: unknown) => logger.warn({ err: error, alert: id }, 'alert change not applied')),
      logger,
    );
    // Every listed market is followed, so CHANGE_PERCENT alerts have a price history from the start.
    let listingTimer: NodeJS.Timeout | undefined;
    const followListed = async () => {
      const symbols = await listing.listedSymbols();
      if (symbols) for (const symbol of symbols) ticks.follow(symbol);
      else listingTimer = setTimeout(() => void followListed(), LISTING_RETRY_MS);
    };
    await followListed();
    engine.start();
    return async () => {
      clearTimeout(listingTimer);
      await stopListing();
      await stopChanges();
      await ticks.stop();
      await engine.stop();
    };
  },
};
