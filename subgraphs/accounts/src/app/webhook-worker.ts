import type { MikroORM } from '@mikro-orm/postgresql';
import { Counter, type Registry } from 'prom-client';
import { webhookEvent, type Logger, type WebhookOutbox } from '@tradegraph/shared';
import { nextStep } from '../domain/webhooks/retries';
import { openSecret } from '../domain/webhooks/secrets';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_USER_AGENT, signatureHeader } from '../domain/webhooks/signing';
import { claimDueDeliveries, markEndpointsFailing, recordAttempts, type AttemptRecord, type ClaimedDelivery } from '../infra/webhook-store';
import type { WebhookSender } from '../infra/webhook-sender';
import type { WebhookWakeups } from '../events/webhook-wakeups';
import type { WebhookSettings } from './settings';

/** Opened secrets kept in memory at most (endpoints, and previous secrets during rotations). */
const MAX_CACHED_SECRETS = 10_000;

/** A delivery put back because its endpoint had its share of requests in flight is due again 0.5–1 s later. */
const DEFER_MS = 500;

/**
 * Delivers webhooks (README, "Webhooks"). Every accounts process runs one; together they share
 * the work through Postgres: a worker claims due deliveries in batches (`FOR UPDATE SKIP LOCKED`,
 * then a lease in `locked_until`, infra/webhook-store.ts), so each attempt is sent by one
 * worker, keeps up to `concurrency` requests in flight, and records results in batches.
 *
 * It looks for due deliveries when woken (events stored here or in another accounts process,
 * WebhookWakeups), after each batch that filled its free slots, and every `pollIntervalMs`
 * (retries come due by the clock).
 */
export class WebhookWorker {
  private inFlight = 0;
  private pumping = false;
  private pumpAgain = false;
  private pumpRun: Promise<void> | undefined;
  private stopped = true;
  private poller: NodeJS.Timeout | undefined;
  private readonly secrets = new Map<string, { keyId: string; blob: Buffer; secret: string }>();
  /** Claimed, waiting for a slot. */
  private readonly queue: ClaimedDelivery[] = [];
  private results: AttemptRecord[] = [];
  private abandonedEndpoints = new Set<string>();
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private idle: (() => void)[] = [];
  private readonly leaseMs: number;
  /** Requests in flight per endpoint, and how many one endpoint may have (a quarter of the slots). */
  private readonly perEndpoint = new Map<string, number>();
  private readonly perEndpointLimit: number;
  private readonly outcomes: Counter;

  constructor(
    private readonly orm: MikroORM,
    private readonly settings: WebhookSettings,
    private readonly sender: WebhookSender,
    private readonly webhooks: WebhookOutbox,
    private readonly wakeups: WebhookWakeups,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    // Long enough to connect, read the response and record it; only a worker that died (or
    // stalled far beyond its timeouts) lets its lease run out.
    this.leaseMs = 2 * settings.timeoutMs + settings.leaseGraceMs;
    this.perEndpointLimit = Math.max(2, Math.ceil(settings.concurrency / 4));
    this.outcomes = new Counter({
      name: 'webhook_attempts_total',
      help: 'Webhook delivery attempts by what they came to (succeeded, pending = will retry, failed, abandoned, held)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  start(): void {
    this.stopped = false;
    this.wakeups.follow(() => this.wake());
    this.poller = setInterval(() => this.wake(), this.settings.pollIntervalMs);
    this.poller.unref();
    this.wake();
  }

  /** Look for due deliveries now (coalesced with a look in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pumpRun = this.pump().finally(() => {
      this.pumping = false;
      if (this.pumpAgain) {
        this.pumpAgain = false;
        this.wake();
      }
    });
  }

  /** Stops claiming, gives back what it claimed but did not send, waits for the requests in flight and records them. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poller);
    await this.wakeups.stop();
    await this.pumpRun;
    for (const delivery of this.queue.splice(0)) this.results.push({ ...this.deferred(delivery), nextAttemptAt: new Date().toISOString() });
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.flush();
  }

  /**
   * Claims while there is room: up to twice the slots are claimed, so the next batch is already
   * here when slots free up — a claim's round trip to the database never leaves them idle. A
   * claim waits for a quarter of that room (a claim per freed slot would be a query per delivery).
   */
  private async pump(): Promise<void> {
    const { concurrency } = this.settings;
    const least = Math.max(1, Math.floor(concurrency / 4));
    while (!this.stopped) {
      const room = 2 * concurrency - this.inFlight - this.queue.length;
      if (room < least) return;
      let claimed: ClaimedDelivery[];
      try {
        claimed = await claimDueDeliveries(this.orm.em.fork(), room, this.leaseMs, this.perEndpointLimit);
      } catch (error) {
        this.logger.warn({ err: error }, 'webhook worker could not claim deliveries; will look again');
        return;
      }
      if (this.stopped) {
        // Claimed as the worker stopped: given back at once rather than left to their lease.
        for (const delivery of claimed) this.results.push({ ...this.deferred(delivery), nextAttemptAt: new Date().toISOString() });
        return;
      }
      this.queue.push(...claimed);
      this.dispatch();
      if (claimed.length < room) return;
    }
  }

  /** Starts claimed deliveries while slots are free. */
  private dispatch(): void {
    while (this.inFlight < this.settings.concurrency && this.queue.length > 0) void this.deliver(this.queue.shift()!);
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    this.inFlight++;
    const endpointLoad = this.perEndpoint.get(delivery.endpointId) ?? 0;
    this.perEndpoint.set(delivery.endpointId, endpointLoad + 1);
    try {
      // One slow endpoint (timeouts) must not hold every slot while the others wait: past its
      // share, a delivery goes back to the queue for a moment, unsent.
      this.results.push(endpointLoad >= this.perEndpointLimit ? this.deferred(delivery) : await this.attempt(delivery));
    } catch (error) {
      // A bug or an unreadable secret: the delivery stays locked until its lease ends, then is tried again.
      this.logger.error({ err: error, deliveryId: delivery.id }, 'webhook delivery attempt failed before sending');
    } finally {
      const left = (this.perEndpoint.get(delivery.endpointId) ?? 1) - 1;
      if (left > 0) this.perEndpoint.set(delivery.endpointId, left);
      else this.perEndpoint.delete(delivery.endpointId);
      this.inFlight--;
      this.scheduleFlush();
      if (!this.stopped) this.dispatch();
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
      if (!this.stopped && 2 * this.settings.concurrency - this.inFlight - this.queue.length >= Math.max(1, Math.floor(this.settings.concurrency / 4))) this.wake();
    }
  }

  /**
   * An endpoint's secret, opened once and kept while its sealed form stays the same (a rotation
   * changes it): opening costs a decipher per delivery otherwise.
   */
  private secretOf(slot: string, keyId: string, blob: Buffer, endpointId = slot): string {
    const known = this.secrets.get(slot);
    if (known && known.keyId === keyId && known.blob.equals(blob)) return known.secret;
    const secret = openSecret(this.settings.keyring, { keyId, blob }, endpointId);
    if (this.secrets.size >= MAX_CACHED_SECRETS) this.secrets.clear();
    this.secrets.set(slot, { keyId, blob, secret });
    return secret;
  }

  private deferred(delivery: ClaimedDelivery): AttemptRecord {
    const at = new Date(Date.now() + DEFER_MS + Math.random() * DEFER_MS);
    return { id: delivery.id, attempt: delivery.attempt, status: 'deferred', nextAttemptAt: at.toISOString(), startedAt: new Date().toISOString(), statusCode: null, latencyMs: 0, error: null, excerpt: null };
  }

  private async attempt(delivery: ClaimedDelivery): Promise<AttemptRecord> {
    const base = { id: delivery.id, attempt: delivery.attempt };
    if (delivery.endpointStatus === 'paused') {
      return { ...base, status: 'held', nextAttemptAt: null, startedAt: new Date().toISOString(), statusCode: null, latencyMs: 0, error: null, excerpt: null };
    }
    const secrets = [this.secretOf(delivery.endpointId, delivery.secretKeyId, delivery.secret)];
    if (delivery.previousSecret && delivery.previousSecretKeyId && delivery.previousSecretExpiresAt && Date.parse(delivery.previousSecretExpiresAt) > Date.now()) {
      secrets.push(this.secretOf(`${delivery.endpointId}:previous`, delivery.previousSecretKeyId, delivery.previousSecret, delivery.endpointId));
    }
    // The data is the stored JSON text as it is: no parse and print again per delivery.
    const body = `{"id":${JSON.stringify(delivery.eventId)},"type":${JSON.stringify(delivery.eventType)},"createdAt":${JSON.stringify(delivery.eventCreatedAt)},"data":${delivery.eventData}}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const sent = await this.sender.send(
      delivery.url,
      {
        'content-type': 'application/json',
        'user-agent': WEBHOOK_USER_AGENT,
        [EVENT_ID_HEADER]: delivery.eventId,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signatureHeader(secrets, timestamp, body),
      },
      body,
    );
    const now = Date.now();
    const step = nextStep(this.settings.schedule, delivery.attempt, sent.result, now, Date.parse(delivery.giveUpAt), Math.random());
    this.outcomes.inc({ outcome: step.status });
    if (step.status === 'abandoned') this.abandonedEndpoints.add(delivery.endpointId);
    return {
      ...base,
      status: step.status,
      nextAttemptAt: step.status === 'pending' ? step.nextAttemptAt.toISOString() : null,
      startedAt: sent.startedAt.toISOString(),
      statusCode: 'statusCode' in sent.result ? sent.result.statusCode : null,
      latencyMs: sent.latencyMs,
      error: 'error' in sent.result ? `${sent.result.error}: ${sent.result.message}`.slice(0, 500) : null,
      excerpt: sent.excerpt,
    };
  }

  /** Results are written together: at once when many are waiting, else a few ms later. */
  private scheduleFlush(): void {
    if (this.results.length >= 200) {
      void this.flush();
      return;
    }
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, 5);
  }

  private async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.results.length === 0) return;
    const results = this.results.splice(0);
    const abandoned = [...this.abandonedEndpoints];
    this.abandonedEndpoints.clear();
    this.flushing = this.write(results, abandoned).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
    // Recorded rows are no longer in flight: their endpoints may have room for more now.
    this.wake();
  }

  /**
   * One statement for the batch; when deliveries were abandoned, the same transaction marks their
   * endpoints FAILING and records `account.webhook_failing` for each owner in accounts' outbox.
   */
  private async write(results: AttemptRecord[], abandoned: string[]): Promise<void> {
    try {
      if (abandoned.length === 0) {
        await recordAttempts(this.orm.em.fork(), results);
        return;
      }
      let failing = 0;
      await this.orm.em.fork().transactional(async (em) => {
        await recordAttempts(em, results);
        const endpoints = await markEndpointsFailing(em, abandoned);
        failing = endpoints.length;
        await this.webhooks.record(
          em,
          endpoints.map((endpoint) =>
            webhookEvent('account.webhook_failing', endpoint.userId, {
              endpointId: endpoint.id,
              url: endpoint.url,
              reason: 'a delivery was still failing at the end of its retry schedule',
            }),
          ),
        );
      });
      if (failing > 0) {
        this.logger.warn({ endpoints: abandoned }, 'webhook endpoints marked failing');
        this.webhooks.committed();
      }
    } catch (error) {
      if (results.length > 1 && abandoned.length === 0) {
        // One bad row (its delivery deleted with its endpoint between the join and the insert) must not lose the batch.
        for (const result of results) await this.write([result], []);
        return;
      }
      // Not recorded: the deliveries stay locked until their leases end, then are sent again (at least once).
      this.logger.error({ err: error, results: results.length }, 'webhook attempts could not be recorded');
    }
  }
}
