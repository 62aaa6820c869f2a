import { canReadUserData, type SubgraphDefinition } from '@tradegraph/shared';
import { ListedMarkets, PriceAlertRecord, createLoaders, listingUrl, migrations, type TradingLoaders } from './infra';
import { PriceAlerts, maxAlertsPerUser } from './app/price-alerts';
import type { TradingServices } from './app/services';
import { followListing } from './events/listing';
import { PriceAlertResolver, UserAlertsResolver } from './api/resolvers';
import { Market, User } from './api/types';
import type { Context } from './api/context';

export const definition: SubgraphDefinition<TradingLoaders, TradingServices> = {
  name: 'trading',
  resolvers: [PriceAlertResolver, UserAlertsResolver],
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
  prepare: async () => {
    const listing = new ListedMarkets(listingUrl());
    return { listing, alerts: new PriceAlerts(listing, maxAlertsPerUser()) };
  },
  start: async ({ bus, logger }, { listing }) => followListing(bus, listing, logger),
};
