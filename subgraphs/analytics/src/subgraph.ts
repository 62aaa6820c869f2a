import type { SubgraphDefinition } from '@tradegraph/shared';
import { HoldingRecord, createLoaders, migrations, type AnalyticsLoaders } from './infra';
import { Portfolios } from './app/portfolios';
import type { AnalyticsServices } from './app/services';
import { HoldingResolver, PortfolioResolver, UserPortfolioResolver, loadPortfolio } from './api/resolvers';
import { Asset, User } from './api/types';
import type { Context } from './api/context';

export const definition: SubgraphDefinition<AnalyticsLoaders, AnalyticsServices> = {
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
  prepare: async () => ({ portfolios: new Portfolios() }),
};
