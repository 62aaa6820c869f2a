import { depositChannel, type DepositEvent, type EventBus } from '@tradegraph/shared';

/** The fields of a deposit its event carries (a DepositRecord has them all). */
export interface DepositFacts {
  id: string;
  userId: string;
  asset: string;
  network: string;
  amount: string;
  status: DepositEvent['status'];
  confirmations: number;
  requiredConfirmations: number;
  txHash: string | null;
  creditedAmount: string | null;
  swap: DepositEvent['swap'];
  createdAt: Date;
  updatedAt: Date;
}

export function depositEvent(deposit: DepositFacts): DepositEvent {
  return {
    id: deposit.id,
    userId: deposit.userId,
    asset: deposit.asset,
    network: deposit.network,
    amount: deposit.amount,
    status: deposit.status,
    confirmations: deposit.confirmations,
    requiredConfirmations: deposit.requiredConfirmations,
    txHash: deposit.txHash,
    creditedAmount: deposit.creditedAmount,
    swap: deposit.swap,
    createdAt: deposit.createdAt.toISOString(),
    updatedAt: deposit.updatedAt.toISOString(),
  };
}

/**
 * Funding's own channel, `funding.deposit.<userId>` (shared/src/contracts/funding-deposits.ts):
 * a deposit as it progresses, published after the change committed. The API's
 * `myDepositUpdates` follows the viewer's.
 */
export class DepositUpdates {
  constructor(private readonly bus: EventBus) {}

  of(userId: string): AsyncIterableIterator<DepositEvent> {
    return this.bus.subscribe<DepositEvent>(depositChannel(userId));
  }

  async publish(deposits: readonly DepositFacts[]): Promise<void> {
    // Published together (the Redis client pipelines them), in order: one user's events keep theirs.
    await Promise.all(deposits.map((deposit) => this.bus.publish(depositChannel(deposit.userId), depositEvent(deposit))));
  }
}
