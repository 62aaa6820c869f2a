import type { MikroORM } from '@mikro-orm/postgresql';
import { webhookEvent, type EntityManager, type WebhookOutbox } from '@tradegraph/shared';
import { moveWithdrawal } from '../domain/withdrawals';
import { changeWithdrawal, type WithdrawalChange, type WithdrawalRecord } from '../infra';
import { withdrawalEvent, type WithdrawalUpdates } from '../events/withdrawal-updates';

/**
 * Every change of a withdrawal's status goes through here: the row changes and its webhook event
 * (`withdrawal.<status>`) is recorded in the same transaction (shared/src/outbox.ts); after the
 * commit the live event is published on `funding.withdrawal.<user>`. More confirmations within
 * `broadcast` are live news only.
 */
export class WithdrawalChanges {
  constructor(
    private readonly orm: MikroORM,
    private readonly webhooks: WebhookOutbox,
    private readonly updates: WithdrawalUpdates,
  ) {}

  inTransaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.orm.em.fork().transactional(work);
  }

  /** Records the webhook events of rows changed in `em`'s transaction (call `announce` after the commit). */
  async record(em: EntityManager, changed: readonly WithdrawalRecord[]): Promise<void> {
    if (changed.length === 0) return;
    await this.webhooks.record(
      em,
      changed.map((w) => webhookEvent(`withdrawal.${w.status}`, w.userId, withdrawalEvent(w), w.updatedAt)),
    );
  }

  async announce(changed: readonly WithdrawalRecord[], webhooks = true): Promise<void> {
    if (changed.length === 0) return;
    if (webhooks) this.webhooks.committed();
    await this.updates.publish(changed);
  }

  /** Moves `w` to `change.status` (conditional on its status); null when another writer moved it first. */
  async move(w: WithdrawalRecord, change: WithdrawalChange, alongside?: (em: EntityManager) => Promise<void>): Promise<WithdrawalRecord | null> {
    const to = w.status === change.status ? change.status : moveWithdrawal(w.status, change.status);
    const moved = await this.inTransaction(async (em) => {
      const row = await changeWithdrawal(em, w.id, w.status, { ...change, status: to });
      if (row && w.status !== to) await this.record(em, [row]);
      if (row) await alongside?.(em);
      return row;
    });
    if (moved) await this.announce([moved], w.status !== to);
    return moved;
  }
}
