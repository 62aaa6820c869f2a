import type { MikroORM } from '@mikro-orm/postgresql';
import { DomainError, type EventBus, type Logger, type WebhookOutbox } from '@tradegraph/shared';
import { Publisher } from '../events/publisher';
import { followListing } from '../events/listing';
import { Exchange } from './exchange';
import { SERVICE_UNAVAILABLE_MESSAGE, Sequencer } from './sequencer';
import type { JournalMetrics } from './journal-metrics';
import type { FeeTier } from '../domain/fees';
import { FeeTierKeeper } from './fee-tiers';
import { RecentTrades } from './recent-trades';
import { ListingCatalog } from './listing-catalog';

export interface EngineHostOptions {
  orm: MikroORM;
  bus: EventBus;
  logger: Logger;
  journal: JournalMetrics;
  /** Journaled commands between two snapshots. */
  snapshotEvery: number;
  /** Finished orders kept in memory beside the live ones. */
  finishedOrdersKept: number;
  /** Told when a batch with webhook events committed. */
  webhooks: Pick<WebhookOutbox, 'committed'>;
  /** The fee schedule (FEE_TIERS): new markets get its level 0. */
  feeSchedule: readonly FeeTier[];
  /** Trades per market kept in memory for trades(market) (MATCHING_RECENT_TRADES_KEPT). */
  recentTradesKept?: number;
}

/** Where the engine stands: the last durable sequence number and the state hash. */
export interface EngineState {
  seq: number;
  stateHash: string;
}

/**
 * The engine in service, and its replacement when the journal fails. It holds the current
 * Exchange (engine, sequencer, projection) and its book publisher, and answers SERVICE_UNAVAILABLE
 * while an engine is being rebuilt, so nothing unjournaled is ever shown.
 *
 * The journal could not be written (Postgres restarting or away): the engine's memory then holds
 * commands the journal does not, so it is set aside while an engine is rebuilt from the latest
 * snapshot and the journal after it, retried with backoff until Postgres answers again. No
 * process restart is needed.
 */
export class EngineHost {
  private exchange?: Exchange;
  private publisher?: Publisher;
  private stopListing?: () => Promise<void>;
  /** True while an engine is rebuilt after the journal could not be written. */
  private unavailable = false;
  /** Set by a clean shutdown, so a rebuild in progress gives up. */
  private stopped = false;

  /** Moves users between fee tiers (FEE_TIERS) as their 30-day volume changes. */
  readonly feeTiers: FeeTierKeeper;
  /** The public recent trades of each market (trades(market, first, after)). */
  readonly recentTrades: RecentTrades;
  /** Trading sessions and asset precision from the markets listing (kept across rebuilds). */
  readonly catalog = new ListingCatalog();

  private constructor(private readonly options: EngineHostOptions) {
    this.feeTiers = new FeeTierKeeper(options.feeSchedule, options.orm, options.logger);
    this.recentTrades = new RecentTrades(options.orm, options.recentTradesKept);
  }

  /** An engine from the latest snapshot plus the journal after it, following the markets listing. */
  static async open(options: EngineHostOptions): Promise<EngineHost> {
    const host = new EngineHost(options);
    await host.install();
    return host;
  }

  /** The exchange in service; SERVICE_UNAVAILABLE while it is being rebuilt. */
  current(): Exchange {
    if (this.unavailable || !this.exchange) throw new DomainError('SERVICE_UNAVAILABLE', SERVICE_UNAVAILABLE_MESSAGE);
    return this.exchange;
  }

  /** The book publisher of the engine in service, on the same terms. */
  books(): Publisher {
    if (this.unavailable || !this.publisher) throw new DomainError('SERVICE_UNAVAILABLE', SERVICE_UNAVAILABLE_MESSAGE);
    return this.publisher;
  }

  /** Advances the engine's clock with no traffic (expiring DAY/GTD orders); skipped while rebuilding. */
  tick(): void {
    if (!this.unavailable) void this.exchange!.sequencer.submit({ type: 'Tick' }).catch(() => {});
  }

  /** Recomputes fee tiers (FeeTierKeeper); skipped while rebuilding. Answers how many moved. */
  async refreshFeeTiers(): Promise<number> {
    if (this.unavailable || !this.exchange) return 0;
    return this.feeTiers.refresh(this.exchange.sequencer);
  }

  /** Where the engine in service stands, once everything submitted so far is durable. */
  async state(): Promise<EngineState> {
    const sequencer = this.exchange!.sequencer;
    await sequencer.drainWrites();
    return { seq: sequencer.lastSeq, stateHash: sequencer.stateHash() };
  }

  /** On a clean shutdown: stops following the listing and closes the engine with a snapshot. */
  async stop(): Promise<EngineState> {
    this.stopped = true;
    await this.stopListing?.();
    const sequencer = this.exchange!.sequencer;
    await sequencer.close();
    return { seq: sequencer.lastSeq, stateHash: sequencer.stateHash() };
  }

  private async install(): Promise<void> {
    const { orm, bus, logger, journal, snapshotEvery, finishedOrdersKept, webhooks, feeSchedule } = this.options;
    const sequencer = await Sequencer.open(orm, logger, {
      snapshotEvery,
      finishedOrdersKept,
      onJournalFailed: () => void this.recover(),
      onBatchDurable: ({ commands, writeSeconds, oldestWaitSeconds }) => {
        journal.commands.observe(commands);
        journal.write.observe(writeSeconds);
        journal.wait.observe(oldestWaitSeconds);
      },
    });
    const publisher = new Publisher(sequencer.engine, bus, logger, sequencer.lastSeq, this.catalog);
    sequencer.onBatch((changes) => publisher.publish(changes));
    sequencer.onBatch((changes) => this.feeTiers.noteFills(changes.fills));
    sequencer.onBatch((changes) => this.recentTrades.add(changes.trades));
    // The batch's trade.* webhook events are durable with it: the outbox relay can take them now.
    sequencer.onBatch((changes) => changes.webhookEvents.length > 0 && webhooks.committed());
    // The markets come from the markets subgraph: wait for its listing before serving orders.
    const stopFollowing = await followListing(sequencer, bus, logger, feeSchedule[0], this.catalog);
    this.exchange = new Exchange(sequencer, orm, this.catalog);
    this.publisher = publisher;
    this.stopListing = stopFollowing;
  }

  private async recover(): Promise<void> {
    if (this.unavailable) return;
    this.unavailable = true;
    const { logger } = this.options;
    const retired = this.exchange?.sequencer;
    await this.stopListing?.().catch(() => undefined);
    await retired?.close().catch(() => undefined);
    for (let attempt = 1; !this.stopped; attempt += 1) {
      try {
        await this.install();
        this.unavailable = false;
        logger.info({ attempt, seq: this.exchange!.sequencer.lastSeq }, 'engine rebuilt from the journal; orders are accepted again');
        return;
      } catch (error) {
        if (attempt === 1) logger.warn({ err: error }, 'engine rebuild failed; retrying until the database answers');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** attempt)));
      }
    }
  }
}
