import { balanceChannel, type BalanceEvent, type EventBus } from '@tradegraph/shared';
import { heldQuantity } from '../domain/portfolio';

/**
 * The edge analytics consumes: matching's `matching.balance.<userId>` (shared/src/contracts/
 * matching-balances.ts), each trading balance after it changed, read as the holding it implies.
 * Analytics does not follow it yet (nothing writes its holdings today); this is the one place
 * that will.
 */
export class BalanceUpdates {
  constructor(private readonly bus: EventBus) {}

  /** A user's holdings as matching changes them: asset and quantity (available + locked). */
  async *holdingsOf(userId: string): AsyncGenerator<{ asset: string; quantity: string }> {
    const events = this.bus.subscribe<BalanceEvent>(balanceChannel(userId));
    try {
      for await (const event of events) yield { asset: event.asset, quantity: heldQuantity(event) };
    } finally {
      await events.return?.();
    }
  }
}
