import { withdrawalChannel, type EventBus, type WithdrawalEvent } from '@tradegraph/shared';
import type { WithdrawalRecord } from '../infra';

export function withdrawalEvent(w: WithdrawalRecord): WithdrawalEvent {
  return {
    id: w.id,
    userId: w.userId,
    asset: w.asset,
    chain: w.chain,
    toAddress: w.toAddress,
    amount: w.amount,
    exchangeFee: w.exchangeFee,
    networkFee: w.networkFee,
    total: w.total,
    holdReason: w.holdReason,
    status: w.status,
    txHash: w.txHash,
    confirmations: w.confirmations,
    requiredConfirmations: w.requiredConfirmations,
    failure: w.failure,
    createdAt: w.createdAt.toISOString(),
    updatedAt: w.updatedAt.toISOString(),
  };
}

/**
 * Funding's channel `funding.withdrawal.<userId>` (shared/src/contracts/funding-withdrawals.ts):
 * a withdrawal as it progresses, published after the change committed. The API's
 * `myWithdrawalUpdates` follows the viewer's.
 */
export class WithdrawalUpdates {
  constructor(private readonly bus: EventBus) {}

  of(userId: string): AsyncIterableIterator<WithdrawalEvent> {
    return this.bus.subscribe<WithdrawalEvent>(withdrawalChannel(userId));
  }

  async publish(withdrawals: readonly WithdrawalRecord[]): Promise<void> {
    for (const w of withdrawals) await this.bus.publish(withdrawalChannel(w.userId), withdrawalEvent(w));
  }
}
