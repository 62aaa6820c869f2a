import { channel } from './channel';

/** Funding → gateway (subscriptions): `funding.withdrawal.<userId>`, a withdrawal as it progresses. */
export const withdrawalChannel = (userId: string) => channel('funding', 'withdrawal', userId);

/**
 * A withdrawal's life (subgraphs/funding/src/domain/withdrawals.ts): the amount and fees are
 * debited from the trading balance at once (`requested`), a transaction is signed from the hot
 * wallet with the next nonce and recorded (`signed`), sent to the chain (`broadcast`), and
 * `completed` once it has the chain's confirmations. A reverted or dropped transaction ends
 * `failed` and the debit is given back. A withdrawal over a hold threshold or the velocity limit is
 * debited but `held` until an admin approves it (→ `requested`) or rejects it (→ `failed`). Every change publishes one event here and records one
 * webhook event (`withdrawal.<status>`).
 */
export const WITHDRAWAL_STATUSES = ['requested', 'held', 'signed', 'broadcast', 'completed', 'failed'] as const;
export type WithdrawalStatus = (typeof WITHDRAWAL_STATUSES)[number];

export interface WithdrawalEvent {
  id: string;
  userId: string;
  asset: string;
  chain: string;
  toAddress: string;
  /** What the recipient receives (decimal string). */
  amount: string;
  /** The exchange's fee, in the asset. */
  exchangeFee: string;
  /** The network fee charged, in the asset (0 for tokens: their exchange fee covers gas). */
  networkFee: string;
  /** Debited from the trading balance: amount + exchangeFee + networkFee. */
  total: string;
  /** Why it is (or was) held for an admin, when it was. */
  holdReason: string | null;
  status: WithdrawalStatus;
  txHash: string | null;
  confirmations: number;
  requiredConfirmations: number;
  failure: string | null;
  /** ISO time. */
  createdAt: string;
  /** ISO time of this change. */
  updatedAt: string;
}
