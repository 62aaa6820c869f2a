import type { DepositUpdates } from '../events/deposit-updates';
import type { DepositHistory } from './deposit-history';
import type { FundingChains } from './funding-chains';
import type { WithdrawalUpdates } from '../events/withdrawal-updates';
import type { Withdrawals } from './withdrawals';
import type { WithdrawalSender } from './withdrawal-sender';
import type { Reconciliation } from './reconciliation';

/** What funding's `prepare()` makes once and its resolvers find in `context.services`. */
export interface FundingServices {
  history: DepositHistory;
  updates: DepositUpdates;
  chains: FundingChains;
  withdrawals: Withdrawals;
  withdrawalUpdates: WithdrawalUpdates;
  /** One per chain: signs, sends and follows withdrawals (app/withdrawal-sender.ts). */
  withdrawalSenders: WithdrawalSender[];
  /** The admin's reconciliation: engine, ledger and chains side by side. */
  reconciliation: Reconciliation;
  /** The local chains only: fills the hot wallet from the devnet deployer (null elsewhere). */
  fundHotWallet: (() => Promise<void>) | null;
}
