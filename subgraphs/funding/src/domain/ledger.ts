import { fromUnits, toUnits } from '@tradegraph/shared/domain';

/**
 * The ledger's posting rules (docs/architecture.md, "Ledger and reconciliation"): every movement
 * of money across the exchange's edge becomes one entry of balanced double-entry postings, tied
 * to the id of the event it records (its `source`: one entry per source, ever). Pure: amounts are
 * exact bigint units of 10^-18 (shared/src/decimal.ts), never floats; storage is infra's.
 *
 * Sign: a posting's amount is a debit when positive, a credit when negative; an entry's postings
 * sum to zero per asset. So assets we hold (wallets) carry positive balances, what we owe (users,
 * fees earned, money on its way out) negative ones.
 *
 * Accounts:
 * - `user:<id>:<asset>` — what the exchange owes a user (their trading balance as funding moved it)
 * - `hot-wallet:<chain>:<asset>` — the hot wallet's holdings on a chain
 * - `deposit-address:<chain>:<asset>` — what sits on the users' deposit addresses (until swept)
 * - `withdrawals:pending:<asset>` — debited from users, not yet sent (or given back)
 * - `fees:<asset>` — exchange fees earned (withdrawal fees, swap fees)
 * - `network-fees:<chain>:<asset>` — gas the exchange paid (an expense)
 * - `clearing:swap` — the other side of a deposit swapped into the settlement asset
 * - `treasury:<chain>:<asset>` — money the operator put into the hot wallet (its float)
 */
export interface Posting {
  account: string;
  asset: string;
  /** Units of 10^-18; positive debits, negative credits; never zero. */
  amount: bigint;
}

export interface LedgerEntry {
  /** The id of the event recorded: unique, so recording it again changes nothing. */
  source: string;
  kind: LedgerEntryKind;
  postings: Posting[];
}

export type LedgerEntryKind =
  | 'deposit_credit'
  | 'withdrawal_debit'
  | 'withdrawal_sent'
  | 'withdrawal_release'
  | 'network_fee'
  | 'sweep'
  | 'sweep_gas'
  | 'treasury_funding';

export const accounts = {
  user: (userId: string, asset: string) => `user:${userId}:${asset}`,
  hotWallet: (chain: string, asset: string) => `hot-wallet:${chain}:${asset}`,
  depositAddress: (chain: string, asset: string) => `deposit-address:${chain}:${asset}`,
  pendingWithdrawals: (asset: string) => `withdrawals:pending:${asset}`,
  fees: (asset: string) => `fees:${asset}`,
  networkFees: (chain: string, asset: string) => `network-fees:${chain}:${asset}`,
  swapClearing: 'clearing:swap',
  treasury: (chain: string, asset: string) => `treasury:${chain}:${asset}`,
} as const;

/** Which side of the reconciliation an account is on: on-chain holdings, users, or the rest. */
export type AccountClass = 'hot_wallet' | 'deposit_address' | 'user' | 'pending_withdrawal' | 'fee' | 'network_fee' | 'clearing' | 'treasury';

export function accountClass(account: string): AccountClass {
  const prefix = account.slice(0, account.indexOf(':'));
  switch (prefix) {
    case 'hot-wallet':
      return 'hot_wallet';
    case 'deposit-address':
      return 'deposit_address';
    case 'user':
      return 'user';
    case 'withdrawals':
      return 'pending_withdrawal';
    case 'fees':
      return 'fee';
    case 'network-fees':
      return 'network_fee';
    case 'treasury':
      return 'treasury';
    default:
      return 'clearing';
  }
}

/** The chain of a wallet account (`hot-wallet:<chain>:<asset>`, `deposit-address:…`, `network-fees:…`, `treasury:…`). */
export function chainOfAccount(account: string): string | null {
  const parts = account.split(':');
  return ['hot-wallet', 'deposit-address', 'network-fees', 'treasury'].includes(parts[0]) ? parts[1] : null;
}

/** Throws unless every posting is non-zero and the entry sums to zero per asset (a bug, never user input). */
export function assertBalanced(entry: LedgerEntry): LedgerEntry {
  if (entry.postings.length < 2) throw new Error(`ledger entry ${entry.source} has fewer than two postings`);
  const sums = new Map<string, bigint>();
  for (const p of entry.postings) {
    if (p.amount === 0n) throw new Error(`ledger entry ${entry.source} has a zero posting on ${p.account}`);
    sums.set(p.asset, (sums.get(p.asset) ?? 0n) + p.amount);
  }
  for (const [asset, sum] of sums) if (sum !== 0n) throw new Error(`ledger entry ${entry.source} is off by ${fromUnits(sum)} ${asset}`);
  return entry;
}

/** Builds an entry, leaving out zero postings (a zero fee), balanced or it throws. */
function entry(source: string, kind: LedgerEntryKind, postings: Posting[]): LedgerEntry {
  return assertBalanced({ source, kind, postings: postings.filter((p) => p.amount !== 0n) });
}

const units = (value: string | null | undefined): bigint => (value ? toUnits(value) : 0n);

export interface CreditedDeposit {
  id: string;
  userId: string;
  chain: string;
  asset: string;
  amount: string;
  /** What the user was credited, in `creditedAsset`. */
  creditedAmount: string;
  creditedAsset: string;
  /** The swap's fee in `creditedAsset` (none when the deposit was credited as it came). */
  swapFee: string | null;
}

/**
 * A deposit credited to its user. As it came (the settlement asset): the deposit address holds
 * it, the user is owed it. Swapped: the deposit address holds what came, `clearing:swap` gives it
 * up for the settlement asset, which goes to the user and, for the swap's fee, to fees.
 */
export function depositCreditEntry(d: CreditedDeposit): LedgerEntry {
  const received = units(d.amount);
  const credited = units(d.creditedAmount);
  const held: Posting = { account: accounts.depositAddress(d.chain, d.asset), asset: d.asset, amount: received };
  const owed: Posting = { account: accounts.user(d.userId, d.creditedAsset), asset: d.creditedAsset, amount: -credited };
  if (d.asset === d.creditedAsset && !d.swapFee) return entry(`deposit:${d.id}:credit`, 'deposit_credit', [held, { ...owed, amount: -received }]);
  const fee = units(d.swapFee);
  return entry(`deposit:${d.id}:credit`, 'deposit_credit', [
    held,
    { account: accounts.swapClearing, asset: d.asset, amount: -received },
    { account: accounts.swapClearing, asset: d.creditedAsset, amount: credited + fee },
    owed,
    { account: accounts.fees(d.creditedAsset), asset: d.creditedAsset, amount: -fee },
  ]);
}

export interface LedgerWithdrawal {
  id: string;
  userId: string;
  chain: string;
  asset: string;
  amount: string;
  exchangeFee: string;
  networkFee: string;
  total: string;
}

/** The total debited from the user's trading balance: now owed to the recipient, not to the user. */
export function withdrawalDebitEntry(w: LedgerWithdrawal): LedgerEntry {
  const total = units(w.total);
  return entry(`withdrawal:${w.id}:debit`, 'withdrawal_debit', [
    { account: accounts.user(w.userId, w.asset), asset: w.asset, amount: total },
    { account: accounts.pendingWithdrawals(w.asset), asset: w.asset, amount: -total },
  ]);
}

/** Sent and confirmed: the amount left the hot wallet, the fees charged are earned. */
export function withdrawalSentEntry(w: LedgerWithdrawal): LedgerEntry {
  return entry(`withdrawal:${w.id}:sent`, 'withdrawal_sent', [
    { account: accounts.pendingWithdrawals(w.asset), asset: w.asset, amount: units(w.total) },
    { account: accounts.hotWallet(w.chain, w.asset), asset: w.asset, amount: -units(w.amount) },
    { account: accounts.fees(w.asset), asset: w.asset, amount: -(units(w.exchangeFee) + units(w.networkFee)) },
  ]);
}

/** Failed or rejected: the debit given back to the user (its release key at matching). */
export function withdrawalReleaseEntry(w: LedgerWithdrawal): LedgerEntry {
  const total = units(w.total);
  return entry(`withdrawal:${w.id}:release`, 'withdrawal_release', [
    { account: accounts.pendingWithdrawals(w.asset), asset: w.asset, amount: total },
    { account: accounts.user(w.userId, w.asset), asset: w.asset, amount: -total },
  ]);
}

/**
 * Gas a mined transaction of ours cost (`gasUsed × effectiveGasPrice`, in the chain's coin as
 * units of 10^-18), paid from `payer` (a wallet account). Null when it cost nothing.
 */
export function networkFeeEntry(source: string, chain: string, native: string, payer: string, costUnits: bigint): LedgerEntry | null {
  if (costUnits === 0n) return null;
  return entry(source, 'network_fee', [
    { account: accounts.networkFees(chain, native), asset: native, amount: costUnits },
    { account: payer, asset: native, amount: -costUnits },
  ]);
}

/** The operator's money into the hot wallet (on the local chains: the devnet faucet at start). */
export function treasuryFundingEntry(chain: string, txHash: string, asset: string, amountUnits: bigint): LedgerEntry {
  return entry(`treasury:${chain}:${txHash.toLowerCase()}:${asset}`, 'treasury_funding', [
    { account: accounts.hotWallet(chain, asset), asset, amount: amountUnits },
    { account: accounts.treasury(chain, asset), asset, amount: -amountUnits },
  ]);
}

/** A sweep: what a deposit address held moved to the hot wallet. */
export function sweepEntry(chain: string, txHash: string, asset: string, amountUnits: bigint): LedgerEntry {
  return entry(`sweep:${chain}:${txHash.toLowerCase()}`, 'sweep', [
    { account: accounts.hotWallet(chain, asset), asset, amount: amountUnits },
    { account: accounts.depositAddress(chain, asset), asset, amount: -amountUnits },
  ]);
}

/** Gas sent from the hot wallet to a deposit address so that it can send its tokens. */
export function sweepGasEntry(chain: string, txHash: string, native: string, amountUnits: bigint): LedgerEntry {
  return entry(`sweep-gas:${chain}:${txHash.toLowerCase()}`, 'sweep_gas', [
    { account: accounts.depositAddress(chain, native), asset: native, amount: amountUnits },
    { account: accounts.hotWallet(chain, native), asset: native, amount: -amountUnits },
  ]);
}

/** A chain amount in the ledger's units (10^-18). */
export function chainToUnits(chainUnits: bigint, decimals: number): bigint {
  return decimals <= 18 ? chainUnits * 10n ** BigInt(18 - decimals) : chainUnits / 10n ** BigInt(decimals - 18);
}

// --- reconciliation --------------------------------------------------------------------------

/** Matching's totals of one asset, in units of 10^-18. */
export interface EngineAssetTotals {
  available: bigint;
  locked: bigint;
  fees: bigint;
  /** Net adjustments not made by funding (demo credits): money the ledger never saw. */
  otherAdjustments: bigint;
}

export interface ChainHoldings {
  chain: string;
  hotWalletOnChain: bigint;
  depositAddressesOnChain: bigint;
}

export interface AssetReconciliation {
  asset: string;
  engineAvailable: bigint;
  engineLocked: bigint;
  engineFees: bigint;
  engineOtherAdjustments: bigint;
  /** What users are owed by the ledger (its `user:*` accounts, as a positive amount). */
  ledgerUsers: bigint;
  ledgerPendingWithdrawals: bigint;
  ledgerFees: bigint;
  /** engine (available + locked + fees − other adjustments) − ledger users: zero when every movement is recorded. */
  engineDifference: bigint;
  chains: ChainReconciliation[];
  ledgerWallets: bigint;
  onChain: bigint;
  /** on chain − ledger wallets (hot wallets and deposit addresses). */
  chainDifference: bigint;
}

export interface ChainReconciliation {
  chain: string;
  hotWalletOnChain: bigint;
  hotWalletLedger: bigint;
  depositAddressesOnChain: bigint;
  depositAddressesLedger: bigint;
  difference: bigint;
}

/**
 * One asset's reconciliation: the engine's balances against what the ledger says users are owed
 * (trades move balances between users and into the engine's fee account, never out, so the totals
 * agree), and the chains' balances against the ledger's wallet accounts.
 * `ledger` is the balance of every account that holds the asset.
 */
export function reconcileAsset(asset: string, engine: EngineAssetTotals, ledger: ReadonlyMap<string, bigint>, holdings: readonly ChainHoldings[]): AssetReconciliation {
  let ledgerUsers = 0n;
  let ledgerPendingWithdrawals = 0n;
  let ledgerFees = 0n;
  const wallets = new Map<string, { hot: bigint; deposit: bigint }>();
  const walletOf = (chain: string) => {
    let w = wallets.get(chain);
    if (!w) wallets.set(chain, (w = { hot: 0n, deposit: 0n }));
    return w;
  };
  for (const [account, balance] of ledger) {
    const cls = accountClass(account);
    if (cls === 'user') ledgerUsers -= balance;
    else if (cls === 'pending_withdrawal') ledgerPendingWithdrawals -= balance;
    else if (cls === 'fee') ledgerFees -= balance;
    else if (cls === 'hot_wallet') walletOf(chainOfAccount(account)!).hot += balance;
    else if (cls === 'deposit_address') walletOf(chainOfAccount(account)!).deposit += balance;
  }
  const chains: ChainReconciliation[] = [];
  const seen = new Set<string>();
  for (const h of holdings) {
    seen.add(h.chain);
    const w = walletOf(h.chain);
    chains.push({
      chain: h.chain,
      hotWalletOnChain: h.hotWalletOnChain,
      hotWalletLedger: w.hot,
      depositAddressesOnChain: h.depositAddressesOnChain,
      depositAddressesLedger: w.deposit,
      difference: h.hotWalletOnChain + h.depositAddressesOnChain - w.hot - w.deposit,
    });
  }
  // A chain the ledger knows but that was not read (not configured any more): all of it a difference.
  for (const [chain, w] of wallets) {
    if (!seen.has(chain)) chains.push({ chain, hotWalletOnChain: 0n, hotWalletLedger: w.hot, depositAddressesOnChain: 0n, depositAddressesLedger: w.deposit, difference: -w.hot - w.deposit });
  }
  chains.sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
  const onChain = chains.reduce((sum, c) => sum + c.hotWalletOnChain + c.depositAddressesOnChain, 0n);
  const ledgerWallets = chains.reduce((sum, c) => sum + c.hotWalletLedger + c.depositAddressesLedger, 0n);
  const engineTotal = engine.available + engine.locked + engine.fees - engine.otherAdjustments;
  return {
    asset,
    engineAvailable: engine.available,
    engineLocked: engine.locked,
    engineFees: engine.fees,
    engineOtherAdjustments: engine.otherAdjustments,
    ledgerUsers,
    ledgerPendingWithdrawals,
    ledgerFees,
    engineDifference: engineTotal - ledgerUsers,
    chains,
    ledgerWallets,
    onChain,
    chainDifference: onChain - ledgerWallets,
  };
}
