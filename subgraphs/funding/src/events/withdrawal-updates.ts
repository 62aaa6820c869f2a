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

/**
 * One withdrawal's changes: `initial` (its state when asked) first, then every later change of it
 * from `live` (subscribed before `initial` was read, so nothing falls between; older events are
 * skipped), ending after a final status (completed, failed).
 */
export async function* oneWithdrawal(initial: WithdrawalEvent, live: AsyncIterableIterator<WithdrawalEvent>): AsyncGenerator<WithdrawalEvent> {
  const final = (status: string) => status === 'completed' || status === 'failed';
  try {
    yield initial;
    if (final(initial.status)) return;
    let seen = initial.updatedAt;
    for await (const event of live) {
      if (event.id !== initial.id || event.updatedAt < seen) continue;
      seen = event.updatedAt;
      yield event;
      if (final(event.status)) return;
    }
  } finally {
    await live.return?.();
  }
}
