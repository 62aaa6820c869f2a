import { DEVNET_DEPLOYER_KEY, canReadUserData, chainsOf, config, isProduction, usesDevnetChains, type SubgraphDefinition } from '@tradegraph/shared';
import { ChainClient, DepositAddressRecord, DepositRecord, LifiSwap, LocalSwap, MatchingCredits, createLoaders, loadAddressDeriver, migrations, openDepositKeys, type FundingLoaders } from './infra';
import { AccountsTwoFactor, WithdrawalChain, loadHotWallet } from './infra';
import { Withdrawals } from './app/withdrawals';
import { WithdrawalChanges } from './app/withdrawal-changes';
import { WithdrawalSender } from './app/withdrawal-sender';
import { devnetHotWalletFunding } from './app/hot-wallet-funding';
import { parseKycDailyLimits, parseWithdrawalFees } from './domain/withdrawals';
import { WithdrawalUpdates } from './events/withdrawal-updates';
import { WithdrawalResolver } from './api/withdrawal-resolvers';
import { ReconciliationResolver } from './api/reconciliation-resolvers';
import { Reconciliation } from './app/reconciliation';
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

function lifiSettings(settings: ReturnType<typeof config>) {
  return {
    url: settings.FUNDING_LIFI_URL,
    apiKey: settings.FUNDING_LIFI_API_KEY,
    integrator: settings.FUNDING_LIFI_INTEGRATOR,
    slippage: settings.FUNDING_LIFI_SLIPPAGE,
    waitMs: settings.FUNDING_LIFI_WAIT_MS,
    backoffMs: settings.FUNDING_LIFI_BACKOFF_MS,
    attempts: 8,
    pollMs: 500,
  };
}

/**
 * The funding subgraph: deposits on EVM chains (docs/architecture.md, "Deposits"). One watcher
 * per chain of CHAINS reads it into funding.deposits; confirmed deposits are swapped to USDC
 * when needed and credited to matching exactly once.
 */
export const definition: SubgraphDefinition<FundingLoaders, FundingServices> = {
  name: 'funding',
  resolvers: [DepositResolver, UserDepositsResolver, WithdrawalResolver, ReconciliationResolver],
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
    const byName = new Map(specs.map((spec) => [spec.name, spec]));
    const hd = { xpub: settings.FUNDING_XPUB, seedKeys: settings.FUNDING_SEED_KEYS, production };
    const swaps =
      settings.FUNDING_SWAP_PROVIDER === 'lifi'
        ? new LifiSwap(orm, await openDepositKeys(orm.em.fork(), hd), byName, settings.FUNDING_SETTLEMENT_CHAIN, lifiSettings(settings), logger)
        : new LocalSwap(settings.FUNDING_SWAP_FEE_BPS);
    const settlement = new DepositSettlement(
      changes,
      new MatchingCredits(),
      swaps,
      settings.FUNDING_SETTLEMENT_CHAIN,
      byName,
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
    const fundingChains = new FundingChains(orm, deriver, chains, changes, devnet, settings.FUNDING_SETTLEMENT_CHAIN, logger);
    // Withdrawals (docs/architecture.md, "Withdrawals"): the hot wallet, one sender per chain.
    const hotWallet = await loadHotWallet(orm.em.fork(), { key: settings.FUNDING_HOT_WALLET_KEY, seedKeys: settings.FUNDING_SEED_KEYS, production });
    const withdrawalUpdates = new WithdrawalUpdates(bus);
    const withdrawalChanges = new WithdrawalChanges(orm, webhooks, withdrawalUpdates);
    const withdrawalChains = new Map([...chains].map(([name, { spec, client }]) => [name, { spec, chain: new WithdrawalChain(client.provider) }] as const));
    const withdrawals = new Withdrawals(
      orm,
      withdrawalChains,
      hotWallet,
      new MatchingCredits(),
      new AccountsTwoFactor(),
      withdrawalChanges,
      {
        fees: parseWithdrawalFees(settings.FUNDING_WITHDRAWAL_FEES),
        gasMarginBps: settings.FUNDING_WITHDRAWAL_GAS_MARGIN_BPS,
        quoteSeconds: settings.FUNDING_WITHDRAWAL_QUOTE_SECONDS,
        dailyLimits: parseWithdrawalFees(settings.FUNDING_WITHDRAWAL_DAILY_LIMITS),
        holdAbove: parseWithdrawalFees(settings.FUNDING_WITHDRAWAL_HOLD_ABOVE),
        velocityPerHour: settings.FUNDING_WITHDRAWAL_VELOCITY_PER_HOUR,
        coolOffSeconds: settings.WITHDRAWAL_ADDRESS_COOLOFF_SECONDS,
        kycDailyLimits: parseKycDailyLimits(settings.FUNDING_WITHDRAWAL_KYC_DAILY_LIMITS),
      },
      logger,
    );
    const fault = production ? 'none' : settings.FUNDING_WITHDRAWAL_FAULT;
    const withdrawalSenders = [...withdrawalChains.values()].map(
      ({ spec, chain }) =>
        new WithdrawalSender(orm, spec, chain, hotWallet, withdrawals, withdrawalChanges, { intervalMs: settings.FUNDING_WATCH_INTERVAL_MS, stuckSeconds: settings.FUNDING_WITHDRAWAL_STUCK_SECONDS, fault }, logger),
    );
    return {
      history: new DepositHistory(),
      updates,
      chains: fundingChains,
      withdrawals,
      withdrawalUpdates,
      withdrawalSenders,
      reconciliation: new Reconciliation(orm, withdrawalChains, hotWallet.address),
      fundHotWallet: devnet.enabled ? devnetHotWalletFunding(fundingChains, withdrawalChains, hotWallet.address, orm, logger) : null,
    };
  },
  start: async (_platform, { chains, withdrawalSenders, fundHotWallet }) => {
    for (const { watcher } of chains.chains.values()) watcher.start();
    await fundHotWallet?.();
    for (const sender of withdrawalSenders) sender.start();
    return async () => {
      for (const sender of withdrawalSenders) await sender.stop();
      for (const { watcher, client } of chains.chains.values()) {
        await watcher.stop();
        client.destroy();
      }
    };
  },
};
