import type { MikroORM } from '@mikro-orm/postgresql';
import { fromUnits, toUnits, type ChainSpec } from '@tradegraph/shared';
import { chainToUnits, reconcileAsset, type AssetReconciliation, type ChainHoldings, type EngineAssetTotals } from '../domain/ledger';
import {
  depositAddressesOf,
  ledgerBalances,
  matchingTotals,
  openWithdrawalTotals,
  recentPostings,
  uncreditedDeposits,
  type PostingRow,
  type WithdrawalChain,
} from '../infra';

/** A number of the reconciliation as text (exact decimals); differences keep their sign. */
type Texts<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] extends (infer U)[] ? Texts<U>[] : T[K] };

export interface OpenItem {
  kind: 'deposit' | 'withdrawal';
  chain: string;
  status: string;
  count: number;
  amount: string;
}

export type AssetReconciliationView = Texts<AssetReconciliation> & {
  /** Deposits on chain not credited and withdrawals under way: what a non-zero difference usually is. */
  openItems: OpenItem[];
  /** The newest postings on the asset. */
  postings: PostingRow[];
};

export interface ReconciliationView {
  at: Date;
  assets: AssetReconciliationView[];
}

const ZERO: EngineAssetTotals = { available: 0n, locked: 0n, fees: 0n, otherAdjustments: 0n };

function texts<T extends object>(value: T): Texts<T> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = typeof v === 'bigint' ? fromUnits(v) : Array.isArray(v) ? v.map((x) => (typeof x === 'object' ? texts(x) : x)) : v;
  return out as Texts<T>;
}

/**
 * The admin's reconciliation (docs/architecture.md, "Ledger and reconciliation"): for every asset,
 * matching's balances (available + locked) and fees against what the ledger says users are owed,
 * and the chains' balances (hot wallet, deposit addresses) against the ledger's wallet accounts —
 * with the difference, the open deposits and withdrawals, and the latest postings.
 */
export class Reconciliation {
  constructor(
    private readonly orm: MikroORM,
    private readonly chains: ReadonlyMap<string, { spec: ChainSpec; chain: WithdrawalChain }>,
    private readonly hotWalletAddress: string,
  ) {}

  private async holdings(): Promise<Map<string, ChainHoldings[]>> {
    const byAsset = new Map<string, ChainHoldings[]>();
    const em = this.orm.em.fork();
    for (const { spec, chain } of this.chains.values()) {
      const addresses = await depositAddressesOf(em, spec.name);
      const assets = [{ symbol: spec.native.symbol, decimals: spec.native.decimals, token: null as string | null }, ...spec.tokens.map((t) => ({ symbol: t.symbol, decimals: t.decimals, token: t.address }))];
      for (const asset of assets) {
        const hot = await chain.balance(this.hotWalletAddress, asset.token);
        let deposits = 0n;
        // A few at a time: a node answers quickly, but not a thousand calls at once.
        for (let i = 0; i < addresses.length; i += 16) {
          const slice = await Promise.all(addresses.slice(i, i + 16).map((address) => chain.balance(address, asset.token)));
          for (const b of slice) deposits += b;
        }
        const list = byAsset.get(asset.symbol) ?? [];
        list.push({ chain: spec.name, hotWalletOnChain: chainToUnits(hot, asset.decimals), depositAddressesOnChain: chainToUnits(deposits, asset.decimals) });
        byAsset.set(asset.symbol, list);
      }
    }
    return byAsset;
  }

  async report(postingsPerAsset: number): Promise<ReconciliationView> {
    const em = this.orm.em.fork();
    const [engine, holdings] = await Promise.all([matchingTotals(), this.holdings()]);
    // The ledger last: a movement recorded between the reads shows as an on-chain or engine difference, explained by its open item.
    const [ledger, deposits, withdrawals] = await Promise.all([ledgerBalances(em), uncreditedDeposits(em), openWithdrawalTotals(em)]);
    const engineOf = new Map<string, EngineAssetTotals>(
      engine.assets.map((a) => [a.asset, { available: toUnits(a.available), locked: toUnits(a.locked), fees: toUnits(a.fees), otherAdjustments: toUnits(a.otherAdjustments) }]),
    );
    const assets = [...new Set([...engineOf.keys(), ...ledger.keys(), ...holdings.keys()])].sort();
    const views: AssetReconciliationView[] = [];
    for (const asset of assets) {
      const line = reconcileAsset(asset, engineOf.get(asset) ?? ZERO, ledger.get(asset) ?? new Map(), holdings.get(asset) ?? []);
      const openItems: OpenItem[] = [
        ...deposits.filter((d) => d.asset === asset).map((d) => ({ kind: 'deposit' as const, chain: d.chain, status: d.status, count: d.count, amount: d.amount })),
        ...withdrawals.filter((w) => w.asset === asset).map((w) => ({ kind: 'withdrawal' as const, chain: w.chain, status: w.status, count: w.count, amount: w.amount })),
      ];
      views.push({ ...texts(line), openItems, postings: postingsPerAsset > 0 ? await recentPostings(em, asset, postingsPerAsset) : [] });
    }
    return { at: new Date(), assets: views };
  }
}
