import { referencePricesRoute } from './api/prices-route';
import { cacheControlDirective, redisUrl, type SubgraphDefinition } from '@tradegraph/shared';
import { AssetRecord, MarketRecord, createLoaders, migrations, type MarketsLoaders } from './infra';
import { MemoryCache, RedisCache } from './infra/price-cache';
import { PriceBook, priceBookSettings } from './app/price-book';
import { Catalog } from './app/catalog';
import { startPrices } from './app/prices';
import { startHistory } from './app/history';
import { marketsSettings } from './app/settings';
import type { MarketsServices } from './app/services';
import { ListingEvents } from './events/listing';
import { AssetResolver, MarketResolver, PriceQuoteResolver } from './api/resolvers';
import { CandleResolver, MarketTickerResolver, TickerResolver } from './api/candle-resolvers';
import { exportRoutes } from './api/csv-export';
import { listingRoute } from './api/listing-route';
import type { Context } from './api/context';

export const definition: SubgraphDefinition<MarketsLoaders, MarketsServices> = {
  name: 'markets',
  resolvers: [MarketResolver, AssetResolver, PriceQuoteResolver, CandleResolver, TickerResolver, MarketTickerResolver],
  directives: [cacheControlDirective],
  entities: [AssetRecord, MarketRecord],
  migrations,
  createLoaders,
  referenceResolvers: {
    Market: { __resolveReference: (ref: { symbol: string }, ctx: Context) => ctx.loaders.marketBySymbol.load(ref.symbol) },
    Asset: { __resolveReference: (ref: { symbol: string }, ctx: Context) => ctx.loaders.assetBySymbol.load(ref.symbol) },
  },
  // The price book exists before the server listens, so resolvers always find it.
  prepare: async ({ orm, bus, logger, registry }) => {
    const url = redisUrl();
    const prices = new PriceBook(orm, bus, url ? new RedisCache(url) : new MemoryCache(), logger, priceBookSettings(), registry);
    const listing = new ListingEvents(bus, logger);
    return { prices, listing, catalog: new Catalog(listing), settings: marketsSettings() };
  },
  routes: (app, platform, services) => {
    listingRoute(app, platform);
    referencePricesRoute(app, services);
    exportRoutes(app, platform.orm, services.settings.exportMaxRows);
  },
  start: async (platform, services) => {
    const stopHistory = await startHistory(platform, services.listing);
    const stopPrices = await startPrices(platform.orm, services.prices, services.listing, platform.logger);
    return async () => {
      await stopPrices();
      await stopHistory();
    };
  },
};
