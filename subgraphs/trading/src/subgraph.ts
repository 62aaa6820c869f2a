import { canReadUserData, type SubgraphContext, type SubgraphDefinition } from '@tradegraph/shared';
import { PriceAlertRecord, createLoaders, migrations, type TradingLoaders } from './store';
import { PriceAlertResolver, UserAlertsResolver } from './schema/resolvers';
import { Market, User } from './schema/types';

type Context = SubgraphContext<TradingLoaders>;

export const definition: SubgraphDefinition<TradingLoaders> = {
  name: 'trading',
  resolvers: [PriceAlertResolver, UserAlertsResolver],
  orphanedTypes: [Market, User],
  entities: [PriceAlertRecord],
  migrations,
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
};
