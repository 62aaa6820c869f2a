import type { MikroORM } from '@mikro-orm/postgresql';
import { JournalStore } from '../infra/journal';
import { DomainError, canonicalDecimal, hasUnsafeCharacters, requestTracing, type Logger } from '@tradegraph/shared';
import { OrderRejected } from '../domain/orders';
import { Engine, quantityToLots, snapshotHash, type Command, type CommandResult, type EngineSnapshot } from '../domain/engine';
import { Projection, clientOrderKey, isTerminal, type OrderRow } from './projection';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A command as callers give it; the sequencer stamps the time. */
export type CommandInput = DistributiveOmit<Command, 'ts'>;

export interface Applied {
  seq: number;
  result: CommandResult;
}

interface Pending {
  seq: number;
  command: Command;
  result: CommandResult;
  resolve: (applied: Applied) => void;
  reject: (error: unknown) => void;
  /** performance.now() when the command was applied (for onBatchDurable). */
  submittedAt: number;
  /** The submitting request's trace, while tracing is on. */
  traced?: unknown;
}

/** What a caller is told while the engine cannot serve: the platform's own SERVICE_UNAVAILABLE wording. */
export const SERVICE_UNAVAILABLE_MESSAGE = 'The service cannot reach its database at the moment; nothing was changed, try again shortly';

/**
 * A command refused because the journal cannot be written: nothing of it was kept (the engine
 * that applied it is being replaced by one rebuilt from the journal). Safe to retry.
 */
export class JournalUnavailable extends DomainError {
  constructor() {
    super('SERVICE_UNAVAILABLE', SERVICE_UNAVAILABLE_MESSAGE);
    this.name = 'JournalUnavailable';
  }
}

export type BatchListener = (batch: ReturnType<Projection['drain']>) => void;

export interface SequencerOptions {
  /** Take a snapshot every this many commands (default SNAPSHOT_EVERY_DEFAULT). */
  snapshotEvery?: number;
  /** Finished orders the projection keeps in memory (default FINISHED_ORDERS_KEPT_DEFAULT). */
  finishedOrdersKept?: number;
  /**
   * Called once when a batch cannot be made durable (Postgres away): this engine's memory is then
   * ahead of the journal, takes no more commands, and must be replaced by one rebuilt from the
   * journal (see the matching subgraph's recovery).
   */
  onJournalFailed: (error: unknown) => void;
  /**
   * Called after each batch committed, with its number of commands, the seconds its statement
   * took, and the seconds its oldest command waited from submission to durability (what the
   * slowest caller of the batch waited on the journal).
   */
  onBatchDurable?: (batch: { commands: number; writeSeconds: number; oldestWaitSeconds: number }) => void;
}

/** Journaled commands between two snapshots, unless MATCHING_SNAPSHOT_EVERY says otherwise. */
export const SNAPSHOT_EVERY_DEFAULT = 100_000;

/**
 * The single writer in front of the engine (docs/architecture.md, "An order, end to end"). Commands are applied in arrival
 * order; each one is journaled, and its caller answered only after the batch holding it
 * committed (group commit: while one batch is being written, the next one gathers). The same
 * transaction writes the read-model rows the batch produced. Restart = latest snapshot +
 * replay of the journal after it; `stateHash()` proves the result equals the state before.
 *
 * A snapshot is captured between two commands (so it is exactly the state at its sequence
 * number) but written on its own, after the batch holding that command committed, on another
 * connection: a snapshot is megabytes of JSON (8,000 resting orders: 4 MB, about 100 ms for
 * Postgres to store), and inside the batch it held up every order of that batch and the next.
 * Written only after its commands are durable, a snapshot never holds a command a crash could
 * take back; one lost in a crash only means a longer replay from the one before.
 */
export class Sequencer {
  private seq = 0;
  private batch: Pending[] = [];
  private snapshots: { seq: number; state: EngineSnapshot }[] = [];
  /** Snapshot writes, one after another, behind the batches that made them durable. */
  private snapshotWrites: Promise<void> = Promise.resolve();
  private writing = false;
  /** Set when a batch could not be made durable: from then on every command is refused. */
  private failed: unknown;
  private readonly listeners: BatchListener[] = [];
  readonly projection: Projection;
  private sinceSnapshot = 0;
  private constructor(
    private readonly store: JournalStore,
    readonly engine: Engine,
    private readonly logger: Logger,
    private readonly options: SequencerOptions,
  ) {
    this.projection = new Projection(engine, options.finishedOrdersKept);
  }

  static async open(orm: MikroORM, logger: Logger, options: SequencerOptions): Promise<Sequencer> {
    const store = new JournalStore(orm);
    const snapshot = await store.latestSnapshot();
    const engine = snapshot ? Engine.restore(snapshot.state) : new Engine();
    const sequencer = new Sequencer(store, engine, logger, options);
    sequencer.seq = snapshot ? snapshot.seq : 0;
    const replayed = await sequencer.replay();
    const live = await store.liveOrders();
    for (const row of live) sequencer.projection.restoreLive(orderRowFromDb(row, engine));
    const clientKeys = await sequencer.loadClientKeys();
    logger.info(
      { snapshotSeq: snapshot ? snapshot.seq : null, replayed, seq: sequencer.seq, stateHash: engine.stateHash(), clientKeys },
      'engine restored',
    );
    return sequencer;
  }

  /**
   * Every clientOrderId of the read model into the projection's filter, in pages by id. The read
   * model is committed with the journal, so it holds every order of every durable command; the
   * commands after it were never acknowledged, and their orders do not exist.
   */
  private async loadClientKeys(): Promise<number> {
    let after = '0';
    let loaded = 0;
    for (;;) {
      const rows = await this.store.clientOrderIdsAfter(after);
      if (rows.length === 0) return loaded;
      for (const row of rows) this.projection.knownClientKeys.add(clientOrderKey(row.user_id, row.client_order_id));
      loaded += rows.length;
      after = rows[rows.length - 1].id;
    }
  }

  /** Replays journal entries after the restored snapshot, in pages. */
  private async replay(): Promise<number> {
    let replayed = 0;
    for (;;) {
      const rows = await this.store.commandsAfter(this.seq);
      if (rows.length === 0) return replayed;
      for (const row of rows) {
        this.engine.apply(row.command);
        this.seq = Number(row.seq);
        replayed += 1;
      }
    }
  }

  get lastSeq(): number {
    return this.seq;
  }

  stateHash(): string {
    return this.engine.stateHash();
  }

  onBatch(listener: BatchListener): void {
    this.listeners.push(listener);
  }

  /**
   * Applies a command now and resolves once it is durable. A command the journal could not
   * store is refused here, before the engine sees it (see `journalProblem`).
   */
  submit(input: CommandInput): Promise<Applied> {
    if (this.failed !== undefined) return Promise.reject(new JournalUnavailable());
    const problem = journalProblem(input);
    if (problem) return Promise.reject(new OrderRejected('INVALID_ORDER', problem));
    const command = { ...input, ts: Math.max(Date.now(), this.engine.now) } as Command;
    const result = this.engine.apply(command);
    this.seq += 1;
    const seq = this.seq;
    this.projection.apply(command, result);
    this.sinceSnapshot += 1;
    if (this.sinceSnapshot >= (this.options.snapshotEvery ?? SNAPSHOT_EVERY_DEFAULT)) this.captureSnapshot();
    return new Promise<Applied>((resolve, reject) => {
      this.batch.push({ seq, command, result, resolve, reject, submittedAt: performance.now(), traced: requestTracing()?.capture() });
      if (!this.writing) {
        this.writing = true;
        setImmediate(() => void this.writeBatches());
      }
    });
  }

  /** Snapshots are taken between commands, so one is exactly the state after its sequence number. */
  captureSnapshot(): void {
    this.snapshots.push({ seq: this.seq, state: this.engine.snapshot() });
    this.sinceSnapshot = 0;
  }

  private async writeBatches(): Promise<void> {
    while (this.batch.length > 0) {
      const batch = this.batch;
      const snapshots = this.snapshots;
      this.batch = [];
      this.snapshots = [];
      const changes = this.projection.drain();
      const writeStartedAt = performance.now();
      // With tracing on, the batch's statement and events show in the trace of its first traced
      // command's request (the loop may have been started by the engine's clock, which has none).
      const tracing = requestTracing();
      const traced = tracing ? batch.find((pending) => pending.traced !== undefined)?.traced : undefined;
      try {
        const write = () => this.store.writeBatch(batch.map((p) => ({ seq: p.seq, command: p.command })), changes);
        await (tracing && traced !== undefined ? tracing.runIn(traced, write) : write());
      } catch (error) {
        // The statement is atomic: none of the batch is in the journal, so none of it may be
        // acknowledged — the batch and every command applied after it are refused, and this
        // engine (whose memory holds them) takes nothing more until it is replaced.
        this.failed = error;
        this.logger.error({ err: error, refused: batch.length + this.batch.length }, 'journal write failed; commands are refused until the engine is rebuilt from the journal');
        const refused = [...batch, ...this.batch];
        this.batch = [];
        this.snapshots = [];
        this.writing = false;
        for (const pending of refused) pending.reject(new JournalUnavailable());
        this.options.onJournalFailed(error);
        return;
      }
      this.projection.committed();
      const durableAt = performance.now();
      this.options.onBatchDurable?.({
        commands: batch.length,
        writeSeconds: (durableAt - writeStartedAt) / 1000,
        oldestWaitSeconds: (durableAt - batch[0].submittedAt) / 1000,
      });
      for (const pending of batch) pending.resolve({ seq: pending.seq, result: pending.result });
      for (const snapshot of snapshots) this.saveSnapshot(snapshot);
      for (const listener of this.listeners) {
        try {
          if (tracing && traced !== undefined) tracing.runIn(traced, () => listener(changes));
          else listener(changes);
        } catch (error) {
          this.logger.error({ err: error }, 'batch listener failed');
        }
      }
    }
    this.writing = false;
  }

  private insertSnapshot(snapshot: { seq: number; state: EngineSnapshot }): Promise<void> {
    return this.store.insertSnapshot(snapshot.seq, snapshot.state, snapshotHash(snapshot.state));
  }

  /** Stores a snapshot whose commands are durable, behind any earlier one, off the batch path. */
  private saveSnapshot(snapshot: { seq: number; state: EngineSnapshot }): void {
    this.snapshotWrites = this.snapshotWrites.then(() =>
      this.insertSnapshot(snapshot).catch((error: unknown) =>
        this.logger.error({ err: error, seq: snapshot.seq }, 'snapshot write failed; restart replays from the one before'),
      ),
    );
  }

  /** On a clean shutdown: everything durable, plus a snapshot so the next start replays nothing. */
  async close(): Promise<void> {
    if (this.failed !== undefined) {
      // Nothing durable to add, and memory is not the journal's state: no snapshot of it.
      await this.store.releaseWriter(true);
      return;
    }
    await this.drainWrites();
    await this.snapshotWrites;
    await this.store.releaseWriter();
    this.captureSnapshot();
    const [latest] = this.snapshots.splice(0);
    await this.insertSnapshot(latest);
  }

  /** Waits until everything submitted so far is durable. */
  async drainWrites(): Promise<void> {
    while (this.writing || this.batch.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Why the journal could not store this command, or null. Once the engine has applied a command,
 * its batch must commit or the process must stop (memory would be ahead of the journal), so
 * everything PostgreSQL would refuse in the batch's jsonb and text columns — NUL, unpaired
 * surrogates, and, as at the API's edge, other control characters — is refused before that:
 * one bad command is refused, the exchange goes on. Commands are flat objects made by this
 * subgraph; only their strings come from clients.
 */
export function journalProblem(command: object): string | null {
  const stack: unknown[] = [command];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (hasUnsafeCharacters(value)) return 'The order holds control characters or unpaired surrogates';
    } else if (typeof value === 'object' && value !== null) {
      for (const item of Object.values(value)) stack.push(item);
    }
  }
  return null;
}

function orderRowFromDb(row: Record<string, any>, engine: Engine): OrderRow {
  const spec = engine.marketSpec(row.market);
  const filled = spec ? quantityToLots(spec, String(row.filled_quantity)) : undefined;
  return {
    id: Number(row.id),
    userId: row.user_id,
    market: row.market,
    side: row.side,
    type: row.type,
    timeInForce: row.time_in_force,
    price: row.price === null ? null : canonicalDecimal(String(row.price)),
    stopPrice: row.stop_price === null ? null : canonicalDecimal(String(row.stop_price)),
    quantity: row.quantity === null ? null : canonicalDecimal(String(row.quantity)),
    quoteAmount: row.quote_amount === null ? null : canonicalDecimal(String(row.quote_amount)),
    filledLots: filled?.ok ? filled.value : 0,
    filledQuantity: canonicalDecimal(String(row.filled_quantity)),
    status: row.status,
    clientOrderId: row.client_order_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export { isTerminal };
