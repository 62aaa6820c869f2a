import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from './orm';
import type { Logger } from './logger';
import { config, subgraphBaseUrl, type Config } from './config';
import { internalHeaders } from './internal-token';
import { requestTracing } from './tracing';
import { WEBHOOK_EVENTS_PATH, type WebhookEvent, type WebhookEventType, type WebhookEventsRequest } from './contracts/webhook-events';

/**
 * The transactional outbox of webhook events (docs/architecture.md, "Webhooks").
 *
 * A subgraph records an event in its own schema's `webhook_outbox` table in the same
 * transaction as the fact it reports, so the event exists exactly when the fact does: a process
 * that dies after committing still has it on disk, one that dies before has neither. The relay
 * then posts what the outbox holds to accounts, which stores each event once (by id) and owns
 * delivery, and deletes it only after accounts acknowledged it: at least once, never lost.
 * Several processes of one subgraph relay side by side: each takes rows with `FOR UPDATE SKIP
 * LOCKED`, so no two post the same row at the same time.
 */

/** The outbox table of one schema; a subgraph's migration creates it with this statement. */
export function createWebhookOutboxSql(schema: string): string {
  return `create table if not exists ${schema}.webhook_outbox (
    id bigserial primary key,
    events jsonb not null,
    recorded_at timestamptz not null default now()
  )`;
}

/** A new event about `userId`, with its id made now. */
export function webhookEvent<Data extends object>(type: WebhookEventType, userId: string, data: Data, at: Date = new Date()): WebhookEvent<Data> {
  return { id: randomUUID(), type, userId, createdAt: at.toISOString(), data };
}

/**
 * Records events in `schema`'s outbox, inside `em`'s transaction when it is in one (call it
 * from `em.transactional`, beside the writes of the fact). One row holds them all.
 */
export async function recordWebhookEvents(em: EntityManager, schema: string, events: readonly WebhookEvent<object>[]): Promise<void> {
  if (events.length === 0) return;
  await em.execute(`insert into ${schema}.webhook_outbox (events) values (?::jsonb)`, [JSON.stringify(events)]);
}

/** The same statement for a writer that builds its own SQL (matching's batch): the events column's JSON. */
export const outboxEventsJson = (events: readonly WebhookEvent<object>[]): string => JSON.stringify(events);

/** Where relays post events: accounts' internal route (WEBHOOK_EVENTS_URL overrides). */
export function webhookEventsUrl(settings: Config = config()): string {
  return settings.WEBHOOK_EVENTS_URL ?? `${subgraphBaseUrl('accounts', settings)}${WEBHOOK_EVENTS_PATH}`;
}

/** Posts events to accounts; resolves once accounts stored them, throws otherwise. */
export function postWebhookEvents(url: string): (events: WebhookEvent[]) => Promise<void> {
  return async (events) => {
    const body: WebhookEventsRequest = { events };
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...internalHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`accounts answered ${response.status} to ${events.length} webhook events`);
    await response.arrayBuffer();
  };
}

/** Outbox rows one relay pass takes at most. */
const ROWS_PER_PASS = 200;

/**
 * Moves one schema's outbox to accounts: a pass takes the oldest rows (skipping those another
 * process holds), posts their events, and deletes the rows in the same transaction, which
 * commits only if the post succeeded. Passes run every `intervalMs`, and at once after `kick()`
 * (a producer in this process calls it after committing). A failed post is retried on the next
 * pass; the rows stay meanwhile.
 */
export class WebhookOutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly orm: MikroORM,
    private readonly schema: string,
    private readonly send: (events: WebhookEvent[]) => Promise<void>,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Run a pass now (or right after the one running). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    // Background work, never part of the request whose commit woke it: untraced (else the post to
    // accounts and accounts' spans would hang off that request's trace).
    const tracing = requestTracing();
    const drained = tracing ? tracing.untraced(() => this.drain()) : this.drain();
    this.running = drained.finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Stops passing; waits for the pass in flight, whose rows are either sent and deleted or kept. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    // After failures, wait longer (up to 30 s) so an unreachable accounts is not hammered.
    const delay = Math.min(this.intervalMs * 2 ** Math.min(this.failures, 8), 30_000);
    this.timer = setTimeout(() => {
      this.kick();
      void this.running?.finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }

  /** Passes until the outbox is empty or a post fails. */
  private async drain(): Promise<void> {
    try {
      while (!this.stopped && (await this.pass()) === ROWS_PER_PASS);
      this.failures = 0;
    } catch (error) {
      this.failures++;
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.logger.warn({ err: error, failures: this.failures }, 'webhook outbox: events not yet handed to accounts; will retry');
      }
    }
  }

  /** One transaction: take rows, post their events, delete them. Returns how many rows it took. */
  private async pass(): Promise<number> {
    const knex = this.orm.em.getConnection().getKnex();
    return knex.transaction(async (trx) => {
      const { rows } = await trx.raw<{ rows: { id: string; events: WebhookEvent[] }[] }>(
        `select id, events from ${this.schema}.webhook_outbox order by id limit ${ROWS_PER_PASS} for update skip locked`,
      );
      if (rows.length === 0) return 0;
      await this.send(rows.flatMap((row) => row.events));
      await trx.raw(`delete from ${this.schema}.webhook_outbox where id = any(?::bigint[])`, [rows.map((row) => row.id)]);
      return rows.length;
    });
  }
}
