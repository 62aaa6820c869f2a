import type { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager, Logger } from '@tradegraph/shared';

/** Events deleted per statement: short transactions, whatever the backlog. */
const DELETE_BATCH = 5000;
/** A sweep runs this often at most (and more often for short retentions, as tests set). */
const SWEEP_EVERY_MAX_MS = 60 * 60 * 1000;

/**
 * Deletes up to `limit` webhook events stored before `before` whose deliveries are all finished
 * (succeeded, failed or abandoned); their deliveries and attempts go with them (on delete
 * cascade). An event with a delivery still pending or held is kept, however old.
 */
export async function deleteFinishedWebhookEvents(em: EntityManager, before: Date, limit: number): Promise<number> {
  const rows = await em.execute<{ id: string }[]>(
    `delete from accounts.webhook_events e
      where e.id in (
        select o.id from accounts.webhook_events o
         where o.stored_at < ?
           and not exists (
             select 1 from accounts.webhook_deliveries d
              where d.event_id = o.id and d.status in ('pending', 'held'))
         limit ?)
      returning e.id`,
    [before, limit],
  );
  return rows.length;
}

/**
 * The delivery log is kept for `retentionMs` (WEBHOOK_RETENTION_MS, README "Webhooks"): events,
 * deliveries and attempts older than that, all finished, are deleted in batches. Every accounts
 * process sweeps; two sweeps at once delete different rows or the same rows once.
 */
export function startWebhookRetention(orm: MikroORM, retentionMs: number, logger: Logger): () => Promise<void> {
  let sweeping: Promise<void> | undefined;
  const sweep = () => (sweeping ??= sweepOnce().finally(() => (sweeping = undefined)));
  const sweepOnce = async () => {
    const before = new Date(Date.now() - retentionMs);
    let deleted = 0;
    try {
      for (;;) {
        const n = await deleteFinishedWebhookEvents(orm.em.fork(), before, DELETE_BATCH);
        deleted += n;
        if (n < DELETE_BATCH) break;
      }
      if (deleted > 0) logger.info({ events: deleted }, 'deleted webhook events past their retention');
    } catch (error) {
      logger.warn({ err: error }, 'webhook retention sweep failed; the next one tries again');
    }
  };
  const timer = setInterval(() => void sweep(), Math.max(1000, Math.min(SWEEP_EVERY_MAX_MS, retentionMs / 10)));
  timer.unref();
  void sweep();
  return async () => {
    clearInterval(timer);
    await sweeping;
  };
}
