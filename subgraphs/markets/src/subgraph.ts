import { cacheControlDirective, type SubgraphContext, type SubgraphDefinition } from '@tradegraph/shared';
import { AssetRecord, MarketRecord, createLoaders, migrations, type MarketsLoaders } from './store';
import { AssetResolver, MarketResolver, PriceQuoteResolver } from './schema/resolvers';
import { listingRoute, preparePrices, startPrices } from './events/prices-module';
import { marketFigures } from './schema/market-figures';
import { findTickers } from './store/candle-store';
import { candleMigrations, candleResolvers, candleRoutes, startCandles } from './events/candles-module';

type Context = SubgraphContext<MarketsLoaders>;

// The catalog sorts by 24h volume and change from the tickers.
marketFigures.tickers = (em, markets) => findTickers({ em }, markets);

export const definition: SubgraphDefinition<MarketsLoaders> = {
  name: 'markets',
  resolvers: [MarketResolver, AssetResolver, PriceQuoteResolver, ...candleResolvers],
  directives: [cacheControlDirective],
  entities: [AssetRecord, MarketRecord],
  migrations: [...migrations, ...candleMigrations],
  createLoaders,
  referenceResolvers: {
    Market: { __resolveReference: (ref: { symbol: string }, ctx: Context) => ctx.loaders.marketBySymbol.load(ref.symbol) },
    Asset: { __resolveReference: (ref: { symbol: string }, ctx: Context) => ctx.loaders.assetBySymbol.load(ref.symbol) },
  },
  prepare: preparePrices,
  routes: (app, services) => {
    listingRoute(app, services);
    candleRoutes(app, services);
  },
  start: async (services) => {
    const stopCandles = await startCandles(services);
    const stopFeed = await startPrices(services);
    return async () => {
      await stopFeed();
      await stopCandles();
    };
  },
};
