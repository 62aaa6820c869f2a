import { canReadUserData, type SubgraphDefinition } from '@tradegraph/shared';
import { DepositRecord, createLoaders, migrations, type FundingLoaders } from './infra';
import { DepositHistory } from './app/deposit-history';
import type { FundingServices } from './app/services';
import { DepositUpdates } from './events/deposit-updates';
import { DepositResolver, UserDepositsResolver } from './api/resolvers';
import { Asset, User } from './api/types';
import type { Context } from './api/context';

export const definition: SubgraphDefinition<FundingLoaders, FundingServices> = {
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
  prepare: async ({ bus }) => ({ history: new DepositHistory(), updates: new DepositUpdates(bus) }),
};
