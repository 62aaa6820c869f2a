import { channel } from './channel';

/** Funding → gateway (subscriptions): `funding.deposit.<userId>`, a deposit as it progresses. */
export const depositChannel = (userId: string) => channel('funding', 'deposit', userId);

export type DepositStatus = 'pending' | 'confirmed' | 'credited' | 'failed';

export interface DepositEvent {
  id: string;
  userId: string;
  asset: string;
  network: string;
  amount: string;
  status: DepositStatus;
  confirmations: number;
  txHash: string | null;
  /** ISO time. */
  createdAt: string;
}
