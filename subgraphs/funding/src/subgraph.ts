import { DEVNET_DEPLOYER_KEY, canReadUserData, chainsOf, config, isProduction, usesDevnetChains, type SubgraphDefinition } from '@tradegraph/shared';
import { ChainClient, DepositAddressRecord, DepositRecord, LocalSwap, MatchingCredits, createLoaders, loadAddressDeriver, migrations, type FundingLoaders } from './infra';
import { DepositHistory } from './app/deposit-history';
import { DepositChanges } from './app/deposit-changes';
import { DepositSettlement } from './app/deposit-settlement';
import { AddressBook } from './app/address-book';
import { ChainWatcher } from './app/chain-watcher';
import { watchMetrics } from './app/watch-metrics';
import { FundingChains } from './app/funding-chains';
import type { FundingServices } from './app/services';
import { DepositUpdates } from './events/deposit-updates';
import { DepositResolver, UserDepositsResolver } from './api/resolvers';
import { Asset, User } from './api/types';
import type { Context } from './api/context';

/**
 * The funding subgraph: deposits on EVM chains (docs/architecture.md, "Deposits"). One watcher
 * per chain of CHAINS reads it into funding.deposits; confirmed deposits are swapped to USDC
 * when needed and credited to matching exactly once.
 */
export const definition: SubgraphDefinition<FundingLoaders, FundingServices> = {
  name: 'funding',
  resolvers: [DepositResolver, UserDepositsResolver],
  orphanedTypes: [Asset, User],
  entities: [DepositRecord, DepositAddressRecord],
  migrations,
  webhookOutbox: true,
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
  prepare: async ({ orm, bus, logger, webhooks, registry }) => {
    const settings = config();
    const production = isProduction(settings);
    const deriver = await loadAddressDeriver(orm.em.fork(), { xpub: settings.FUNDING_XPUB, seedKeys: settings.FUNDING_SEED_KEYS, production });
    const updates = new DepositUpdates(bus);
    const changes = new DepositChanges(orm, webhooks, updates);
    const specs = chainsOf(settings);
    const metrics = watchMetrics(registry);
    const settlement = new DepositSettlement(
      changes,
      new MatchingCredits(),
      new LocalSwap(settings.FUNDING_SWAP_FEE_BPS),
      settings.FUNDING_SETTLEMENT_CHAIN,
      new Map(specs.map((spec) => [spec.name, spec])),
      logger,
    );
    const chains = new Map(
      specs.map((spec) => {
        const client = new ChainClient(spec);
        const watcher = new ChainWatcher(
          spec,
          client,
          orm,
          new AddressBook(orm, spec.name),
          changes,
          settlement,
          { intervalMs: settings.FUNDING_WATCH_INTERVAL_MS, maxBlocksPerPass: settings.FUNDING_WATCH_MAX_BLOCKS, startBlock: 0 },
          logger,
          metrics,
        );
        return [spec.name, { spec, client, watcher }] as const;
      }),
    );
    const devnet = { enabled: !production && (settings.FUNDING_DEVNET ?? usesDevnetChains(settings)), payerKey: DEVNET_DEPLOYER_KEY };
    return {
      history: new DepositHistory(),
      updates,
      chains: new FundingChains(orm, deriver, chains, changes, devnet, settings.FUNDING_SETTLEMENT_CHAIN, logger),
    };
  },
  start: async (_platform, { chains }) => {
    for (const { watcher } of chains.chains.values()) watcher.start();
    return async () => {
      for (const { watcher, client } of chains.chains.values()) {
        await watcher.stop();
        client.destroy();
      }
    };
  },
};
