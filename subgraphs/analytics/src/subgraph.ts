import type { SubgraphContext, SubgraphDefinition } from '@tradegraph/shared';
import { HoldingRecord, createLoaders, migrations, type AnalyticsLoaders } from './store';
import { HoldingResolver, PortfolioResolver, UserPortfolioResolver, loadPortfolio } from './schema/resolvers';
import { Asset, User } from './schema/types';

type Context = SubgraphContext<AnalyticsLoaders>;

export const definition: SubgraphDefinition<AnalyticsLoaders> = {
  name: 'analytics',
  resolvers: [PortfolioResolver, HoldingResolver, UserPortfolioResolver],
  orphanedTypes: [Asset, User],
  entities: [HoldingRecord],
  migrations,
  createLoaders,
  referenceResolvers: {
    Portfolio: { __resolveReference: (ref: { userId: string }, ctx: Context) => loadPortfolio(ref.userId, ctx).catch(() => null) },
    User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
  },
};
