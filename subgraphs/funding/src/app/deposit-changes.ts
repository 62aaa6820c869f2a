import type { MikroORM } from '@mikro-orm/postgresql';
import { webhookEvent, type DepositStatus, type EntityManager, type WebhookOutbox } from '@tradegraph/shared';
import { changeDeposit, changeDeposits, postEntries, recordTransfers, updateConfirmations, type DepositChange, type DepositRecord, type NewDeposit } from '../infra';
import { moveDeposit } from '../domain/deposits';
import { depositEntries } from './ledger-postings';
import { depositEvent, type DepositUpdates } from '../events/deposit-updates';

/** Rows one statement of `moveMany` moves at most (its JSON parameter stays a few hundred kB). */
const MOVES_PER_STATEMENT = 2000;

/**
 * Every change of a deposit goes through here: the row changes, and its webhook event
 * (`deposit.<status>`) is recorded in the same transaction (shared/src/outbox.ts); after the
 * commit the live event is published on `funding.deposit.<user>`. A confirmation count that
 * grows without a change of status (confirming 2 of 3 → 3 of 3 is a change; 1 of 3 → 2 of 3
 * is not) is published live only.
 */
export class DepositChanges {
  constructor(
    private readonly orm: MikroORM,
    private readonly webhooks: WebhookOutbox,
    private readonly updates: DepositUpdates,
  ) {}

  private async inTransaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.orm.em.fork().transactional(work);
  }

  private async announce(changed: readonly DepositRecord[], live = changed): Promise<void> {
    if (changed.length > 0) this.webhooks.committed();
    if (live.length > 0) await this.updates.publish(live);
  }

  private async recordWebhooks(em: EntityManager, changed: readonly DepositRecord[]): Promise<void> {
    await this.webhooks.record(
      em,
      changed.map((deposit) => webhookEvent(`deposit.${deposit.status}`, deposit.userId, depositEvent(deposit), deposit.updatedAt)),
    );
  }

  /**
   * Records transfers found on chain, and runs `alongside` (the watcher's cursor) in the same
   * transaction: a crash leaves both or neither. Returns the deposits made (or revived).
   */
  async recordFound(deposits: readonly NewDeposit[], alongside?: (em: EntityManager) => Promise<void>): Promise<DepositRecord[]> {
    const recorded = await this.inTransaction(async (em) => {
      const rows = await recordTransfers(em, deposits);
      await this.recordWebhooks(em, rows);
      await alongside?.(em);
      return rows;
    });
    await this.announce(recorded);
    return recorded;
  }

  /** Moves `deposit` from its status to `change.status`; null when it had moved already (another writer). */
  async move(deposit: DepositRecord, change: DepositChange): Promise<DepositRecord | null> {
    const to: DepositStatus = deposit.status === change.status ? change.status : moveDeposit(deposit.status, change.status);
    const moved = await this.inTransaction(async (em) => {
      const row = await changeDeposit(em, deposit.id, deposit.status, { ...change, status: to });
      // A change of details within a status (the swap's result) is live news, not a webhook event.
      if (row && deposit.status !== to) await this.recordWebhooks(em, [row]);
      // The ledger's entry of a credit, with the credit (idempotent on the deposit).
      if (row && deposit.status !== to) await postEntries(em, depositEntries(row));
      return row;
    });
    if (moved) await this.announce([moved]);
    return moved;
  }

  /**
   * Many moves at once (a watcher pass): one statement, one webhook outbox row and the ledger's
   * entries of the credits in one transaction, each move as conditional as `move` (a deposit another writer moved first is
   * left out). A move to the same status with `confirmations` is a confirmation count that grew:
   * live news only, like `confirmations`. Returns the deposits changed, by id. Only the
   * watcher's moves come here (no swap details).
   */
  async moveMany(moves: readonly { deposit: DepositRecord; change: Omit<DepositChange, 'swap'> }[]): Promise<Map<string, DepositRecord>> {
    const changed = new Map<string, DepositRecord>();
    if (moves.length === 0) return changed;
    const fromOf = new Map<string, DepositRecord['status']>();
    const rows = await this.inTransaction(async (em) => {
      const all: DepositRecord[] = [];
      for (let i = 0; i < moves.length; i += MOVES_PER_STATEMENT) {
        const slice = moves.slice(i, i + MOVES_PER_STATEMENT).map(({ deposit, change }) => {
          fromOf.set(deposit.id, deposit.status);
          return {
            id: deposit.id,
            from: deposit.status,
            to: deposit.status === change.status ? change.status : moveDeposit(deposit.status, change.status),
            confirmations: change.confirmations,
            creditedAmount: change.creditedAmount,
            failure: change.failure,
          };
        });
        all.push(...(await changeDeposits(em, slice)));
      }
      const moved = all.filter((row) => fromOf.get(row.id) !== row.status);
      await this.recordWebhooks(em, moved);
      // The ledger's entries of the credits, with the credits (idempotent on each deposit).
      await postEntries(em, moved.flatMap(depositEntries));
      return all;
    });
    for (const row of rows) changed.set(row.id, row);
    await this.announce(
      rows.filter((row) => fromOf.get(row.id) !== row.status),
      rows,
    );
    return changed;
  }

  /** More confirmations within the same status. */
  async confirmations(deposit: DepositRecord, confirmations: number): Promise<DepositRecord | null> {
    const updated = await updateConfirmations(this.orm.em.fork(), deposit.id, deposit.status, confirmations);
    if (updated) await this.updates.publish([updated]);
    return updated;
  }
}
