import { depositChannel, type DepositEvent, type EventBus } from '@tradegraph/shared';

/**
 * Funding's own channel, `funding.deposit.<userId>` (shared/src/contracts/funding-deposits.ts):
 * a deposit as it progresses. The API's `myDepositUpdates` follows the viewer's.
 */
export class DepositUpdates {
  constructor(private readonly bus: EventBus) {}

  of(userId: string): AsyncIterableIterator<DepositEvent> {
    return this.bus.subscribe<DepositEvent>(depositChannel(userId));
  }
}
