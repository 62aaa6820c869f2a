import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  FailureStreak,
  webhookEvent,
  type AlertTriggeredEvent,
  type EntityManager,
  type Logger,
  type PriceAlertState,
  type PriceEvent,
  type WebhookOutbox,
} from '@tradegraph/shared';
import { AlertIndex, indexedAlert, type Firing } from '../domain/alert-index';
import { TICK_PRICE } from '../domain/alerts';
import { expireAlerts, loadActiveAlerts, recordFirings } from '../infra';
import type { AlertAnnouncer } from '../events/alert-events';

/** How often expired alerts are marked `expired` in Postgres (the index stops them at their expiry regardless). */
const EXPIRY_SWEEP_MS = 2000;
/** After a failed write of firings, wait this long before trying again, doubling up to the maximum. */
const RETRY_MS = 250;
const RETRY_MAX_MS = 5000;

/** A firing not yet recorded, with the time its price carried. */
type PendingFiring = Firing & { priceAt: string };

export interface AlertEngineDeps {
  /** A fresh unit of work (one per write). */
  em: () => EntityManager;
  webhooks: WebhookOutbox;
  announcer: AlertAnnouncer;
  logger: Logger;
  registry?: Registry;
  /** Follow a market's prices (events/price-ticks.ts). */
  follow: (market: string) => void;
  now?: () => number;
}

/**
 * Price alerts in service (docs/architecture.md, "Price alerts"): the index of every active
 * alert, fed by price ticks; firings are written in batches — one transaction per batch records
 * the conditional updates of the rows and their `alert.triggered` webhook events — and only the
 * rows that statement changed are announced, after the commit. A batch that could not be written
 * is kept and written again (the rows decide, so a retry never fires an alert twice).
 */
export class AlertEngine {
  readonly index = new AlertIndex();
  private readonly lastTickAt = new Map<string, number>();
  private pending: PendingFiring[] = [];
  private writing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_MS;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly writes: FailureStreak;
  private readonly now: () => number;
  private readonly metrics;

  constructor(private readonly deps: AlertEngineDeps) {
    this.now = deps.now ?? Date.now;
    this.writes = new FailureStreak(deps.logger, 'recording alert firings');
    const registers = deps.registry ? [deps.registry] : [];
    this.metrics = {
      fired: new Counter({ name: 'trading_alerts_fired_total', help: 'Alert firings recorded and announced', registers }),
      ticks: new Counter({ name: 'trading_alert_ticks_total', help: 'Price ticks evaluated against the alert index', registers }),
      indexed: new Gauge({ name: 'trading_alerts_indexed', help: 'Active alerts in the index (armed and held)', registers }),
      tickAge: new Histogram({
        name: 'trading_alert_tick_age_seconds',
        help: "A price tick's age when trading evaluated it (from the `at` its publisher stamped)",
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers,
      }),
      write: new Histogram({
        name: 'trading_alert_firing_write_seconds',
        help: 'One batch of firings: the transaction (conditional update and outbox row) until announced',
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
        registers,
      }),
    };
  }

  /** Loads every active alert into the index (at start); returns the markets they name. */
  async load(): Promise<string[]> {
    const states = await loadActiveAlerts(this.deps.em());
    const now = this.now();
    for (const state of states) this.index.add(indexedAlert(state), now);
    this.metrics.indexed.set(this.index.size);
    return [...new Set(states.map((state) => state.market))];
  }

  /** Starts the expiry sweep. */
  start(): void {
    this.stopped = false;
    const sweep = () => {
      this.sweepTimer = setTimeout(() => {
        void this.sweepExpired().finally(() => {
          if (!this.stopped) sweep();
        });
      }, EXPIRY_SWEEP_MS);
      this.sweepTimer.unref();
    };
    sweep();
  }

  /** Stops the sweep and waits for the batch being written (one still unwritten stays in Postgres' hands: not fired). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sweepTimer);
    clearTimeout(this.retryTimer);
    await this.writing;
  }

  /** A new active alert (this process stored it). */
  added(state: PriceAlertState): void {
    this.index.add(indexedAlert(state), this.now());
    this.metrics.indexed.set(this.index.size);
    this.deps.follow(state.market);
    this.deps.announcer.changed(state.id);
  }

  /** An alert this process cancelled. */
  removed(id: string): void {
    this.index.remove(id);
    this.metrics.indexed.set(this.index.size);
    this.deps.announcer.changed(id);
  }

  /** Another process changed alerts `ids`: their rows say what the index should hold. */
  async refresh(ids: readonly string[]): Promise<void> {
    const states = await loadActiveAlerts(this.deps.em(), ids);
    const now = this.now();
    const found = new Set<string>();
    for (const state of states) {
      found.add(state.id);
      if (state.status === 'active') {
        this.index.add(indexedAlert(state), now);
        this.deps.follow(state.market);
      } else {
        this.index.remove(state.id);
      }
    }
    for (const id of ids) if (!found.has(id)) this.index.remove(id);
    this.metrics.indexed.set(this.index.size);
  }

  /** One price event of `market` from the bus. Malformed or out-of-date ticks are ignored. */
  onPrice(event: PriceEvent, market: string): void {
    if (!event || typeof event.price !== 'string' || !TICK_PRICE.test(event.price)) return;
    const at = Date.parse(event.at);
    if (Number.isNaN(at) || at < (this.lastTickAt.get(market) ?? -Infinity)) return;
    this.lastTickAt.set(market, at);
    const now = this.now();
    this.metrics.ticks.inc();
    this.metrics.tickAge.observe(Math.max(0, now - at) / 1000);
    const fired = this.index.tick(market, event.price, now);
    if (fired.length === 0) return;
    const priceAt = new Date(at).toISOString();
    for (const firing of fired) this.pending.push({ ...firing, priceAt });
    this.write();
  }

  /** Firings evaluated but not yet recorded (a test and the benchmark wait on it). */
  get unwritten(): number {
    return this.pending.length;
  }

  /** Writes what is pending: one batch at a time; firings that arrive meanwhile form the next. */
  private write(): void {
    if (this.writing || this.retryTimer || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const endWrite = this.metrics.write.startTimer();
    this.writing = this.record(batch)
      .then(
        () => {
          endWrite();
          this.writes.succeeded();
          this.retryDelay = RETRY_MS;
        },
        (error: unknown) => {
          // Not written: nothing was fired. Keep the batch, first in line, and try again.
          this.pending = batch.concat(this.pending);
          this.writes.failed(error, { firings: batch.length });
          if (!this.stopped) {
            this.retryTimer = setTimeout(() => {
              this.retryTimer = undefined;
              this.write();
            }, this.retryDelay);
            this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
          }
        },
      )
      .finally(() => {
        this.writing = undefined;
        if (!this.stopped) this.write();
      });
  }

  private async record(batch: PendingFiring[]): Promise<void> {
    const byId = new Map(batch.map((firing) => [firing.alert.id, firing]));
    let events: AlertTriggeredEvent[] = [];
    await this.deps.em().transactional(async (tx) => {
      const fired = await recordFirings(
        tx,
        batch.map((firing) => ({ id: firing.alert.id, price: firing.price, at: new Date(firing.at) })),
      );
      events = fired.map((alert) => {
        const firing = byId.get(alert.id)!;
        return {
          alert,
          price: firing.price,
          priceAt: firing.priceAt,
          referencePrice: firing.referencePrice,
          at: new Date(firing.at).toISOString(),
        };
      });
      await this.deps.webhooks.record(
        tx,
        events.map((event) => webhookEvent('alert.triggered', event.alert.userId, event, new Date(event.at))),
      );
    });
    // Committed: announce exactly what this statement fired.
    const now = this.now();
    for (const event of events) {
      this.deps.announcer.triggered(event);
      if (event.alert.status === 'active' && event.alert.rearmsAt) {
        this.index.add(indexedAlert(event.alert), now);
      }
    }
    if (events.length > 0) this.deps.webhooks.committed();
    this.metrics.fired.inc(events.length);
    // The rest were fired elsewhere, cancelled or expired meanwhile: their rows say what to keep.
    const fired = new Set(events.map((event) => event.alert.id));
    const others = batch.filter((firing) => !fired.has(firing.alert.id)).map((firing) => firing.alert.id);
    if (others.length > 0) await this.refresh(others);
    this.metrics.indexed.set(this.index.size);
  }

  /** Marks expired alerts in Postgres and drops them from the index. */
  async sweepExpired(): Promise<void> {
    try {
      this.index.expire(this.now());
      const expired = await expireAlerts(this.deps.em());
      for (const id of expired) this.index.remove(id);
      this.metrics.indexed.set(this.index.size);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'expired alerts not marked; next sweep tries again');
    }
  }
}
