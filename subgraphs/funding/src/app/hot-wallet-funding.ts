import type { ChainSpec, Logger } from '@tradegraph/shared';
import { toUnits } from '@tradegraph/shared';
import { unitsToChain } from '../domain/withdrawals';
import type { MikroORM } from '@mikro-orm/postgresql';
import { postEntries, type WithdrawalChain } from '../infra';
import { treasuryFundingEntry } from '../domain/ledger';
import type { FundingChains } from './funding-chains';

/** What the hot wallet is filled to on a local chain, per asset (coin and tokens). */
const DEVNET_FLOAT: Record<string, string> = { ETH: '100', USDC: '1000000', USDT: '1000000', WETH: '1000' };

/**
 * The local chains only: the hot wallet starts empty, so funding fills it from the devnet
 * deployer (the faucet's account, minting tokens) at start, each asset below half its float.
 * A real deployment funds its hot wallet from treasury instead.
 */
export function devnetHotWalletFunding(
  chains: FundingChains,
  withdrawalChains: ReadonlyMap<string, { spec: ChainSpec; chain: WithdrawalChain }>,
  address: string,
  orm: MikroORM,
  logger: Logger,
): () => Promise<void> {
  return async () => {
    for (const { spec, chain } of withdrawalChains.values()) {
      const assets = [{ symbol: spec.native.symbol, decimals: spec.native.decimals, token: null as string | null }, ...spec.tokens.map((t) => ({ symbol: t.symbol, decimals: t.decimals, token: t.address }))];
      for (const asset of assets) {
        const float = DEVNET_FLOAT[asset.symbol];
        if (!float) continue;
        try {
          const have = await chain.balance(address, asset.token);
          if (have * 2n >= unitsToChain(toUnits(float), asset.decimals)) continue;
          const { txHash } = await chains.faucet('', spec.name, asset.symbol, float, address);
          // The ledger: the operator's float into the hot wallet (idempotent on the transaction).
          await orm.em.fork().transactional((em) => postEntries(em, [treasuryFundingEntry(spec.name, txHash, asset.symbol, toUnits(float))]));
          logger.info({ chain: spec.name, asset: asset.symbol, amount: float, hotWallet: address }, 'devnet hot wallet funded');
        } catch (error) {
          logger.warn({ err: error, chain: spec.name, asset: asset.symbol }, 'devnet hot wallet funding failed');
        }
      }
    }
  };
}
