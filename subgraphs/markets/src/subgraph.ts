import type { SubgraphContext, SubgraphDefinition } from '@tradegraph/shared';
import { AssetRecord, MarketRecord, createLoaders, migrations, type MarketsLoaders } from './store';
import { AssetResolver, MarketResolver, PriceResolver } from './schema/resolvers';
import { startSimulatedFeed } from './events/price-feed';

type Context = SubgraphContext<MarketsLoaders>;

export const definition: SubgraphDefinition<MarketsLoaders> = {
  name: 'markets',
  resolvers: [MarketResolver, AssetResolver, PriceResolver],
  entities: [AssetRecord, MarketRecord],
  migrations,
  createLoaders,
  referenceResolvers: {
    Market: { __resolveReference: (ref: { symbol: string }, ctx: Context) => ctx.loaders.marketBySymbol.load(ref.symbol) },
    Asset: { __resolveReference: (ref: { symbol: string }, ctx: Context) => ctx.loaders.assetBySymbol.load(ref.symbol) },
  },
  start: ({ orm, bus, logger }) => startSimulatedFeed(orm, bus, logger),
};
