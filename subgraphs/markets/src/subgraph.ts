import { cacheControlDirective, type SubgraphContext, type SubgraphDefinition } from '@tradegraph/shared';
import { AssetRecord, MarketRecord, createLoaders, migrations, type MarketsLoaders } from './store';
import { AssetResolver, MarketResolver, PriceQuoteResolver } from './schema/resolvers';
import { listingRoute, preparePrices, startPrices } from './events/prices-module';

type Context = SubgraphContext<MarketsLoaders>;

export const definition: SubgraphDefinition<MarketsLoaders> = {
  name: 'markets',
  resolvers: [MarketResolver, AssetResolver, PriceQuoteResolver],
  directives: [cacheControlDirective],
  entities: [AssetRecord, MarketRecord],
  migrations,
  createLoaders,
  referenceResolvers: {
    Market: { __resolveReference: (ref: { symbol: string }, ctx: Context) => ctx.loaders.marketBySymbol.load(ref.symbol) },
    Asset: { __resolveReference: (ref: { symbol: string }, ctx: Context) => ctx.loaders.assetBySymbol.load(ref.symbol) },
  },
  prepare: preparePrices,
  routes: listingRoute,
  start: startPrices,
};
