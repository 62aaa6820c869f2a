import { canReadUserData, type SubgraphContext, type SubgraphDefinition } from '@tradegraph/shared';
import { DepositRecord, createLoaders, migrations, type FundingLoaders } from './store';
import { DepositResolver, UserDepositsResolver } from './schema/resolvers';
import { Asset, User } from './schema/types';

type Context = SubgraphContext<FundingLoaders>;

export const definition: SubgraphDefinition<FundingLoaders> = {
  name: 'funding',
  resolvers: [DepositResolver, UserDepositsResolver],
  orphanedTypes: [Asset, User],
  entities: [DepositRecord],
  migrations,
  createLoaders,
  referenceResolvers: {
    Deposit: {
      __resolveReference: async (ref: { id: string }, ctx: Context) => {
        const deposit = await ctx.loaders.depositById.load(ref.id);
        return deposit && canReadUserData(ctx.viewer, deposit.userId) ? deposit : null;
      },
    },
    User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
  },
};
