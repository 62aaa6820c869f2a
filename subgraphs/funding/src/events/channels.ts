import { channel } from '@tradegraph/shared';
import type { DepositStatus } from '../store';

/** A deposit as published on `funding.deposit.<userId>` as it progresses. */
export interface DepositEvent {
  id: string;
  userId: string;
  asset: string;
  network: string;
  amount: string;
  status: DepositStatus;
  confirmations: number;
  txHash: string | null;
  createdAt: string;
}

export const depositChannel = (userId: string) => channel('funding', 'deposit', userId);
