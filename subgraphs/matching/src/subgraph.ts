import { canReadUserData, type SubgraphContext, type SubgraphDefinition } from '@tradegraph/shared';
import { OrderRecord, createLoaders, migrations, type MatchingLoaders } from './store';
import { MarketOrderBookResolver, OrderResolver, UserOrdersResolver } from './schema/resolvers';
import { Market, User } from './schema/types';

type Context = SubgraphContext<MatchingLoaders>;

export const definition: SubgraphDefinition<MatchingLoaders> = {
  name: 'matching',
  resolvers: [OrderResolver, MarketOrderBookResolver, UserOrdersResolver],
  orphanedTypes: [Market, User],
  entities: [OrderRecord],
  migrations,
  createLoaders,
  referenceResolvers: {
    Order: {
      __resolveReference: async (ref: { id: string }, ctx: Context) => {
        const order = await ctx.loaders.orderById.load(ref.id);
        // Another user's order resolves to nothing rather than leaking through a reference.
        return order && canReadUserData(ctx.viewer, order.userId) ? order : null;
      },
    },
    Market: { __resolveReference: (ref: { symbol: string }) => ({ symbol: ref.symbol }) },
    User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
  },
};
