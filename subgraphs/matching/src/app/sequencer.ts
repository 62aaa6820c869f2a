import type { MikroORM } from '@mikro-orm/postgresql';
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

/** A connection of MikroORM's pool as the pg driver gives it (MikroORM's connection is knex underneath). */
interface PooledConnection {
  query(query: { name?: string; text: string; values: readonly unknown[] }): Promise<unknown>;
}
interface ConnectionPool {
  acquireConnection(): Promise<PooledConnection>;
  releaseConnection(connection: PooledConnection): Promise<void>;
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

/** The statement that makes a batch durable; see Sequencer.write. */
const WRITE_BATCH = `
with journal as (
  insert into matching.journal (seq, command)
  select seq, command from jsonb_to_recordset($1::jsonb) as j(seq bigint, command jsonb)
), orders as (
  insert into matching.orders (id, user_id, market, side, type, time_in_force, price, stop_price, quantity,
                               quote_amount, filled_quantity, status, client_order_id, created_at, updated_at)
  select * from jsonb_to_recordset($2::jsonb) as o(id bigint, user_id uuid, market text, side text, type text,
    time_in_force text, price numeric, stop_price numeric, quantity numeric, quote_amount numeric,
    filled_quantity numeric, status text, client_order_id text, created_at timestamptz, updated_at timestamptz)
  on conflict (id) do update set price = excluded.price, quantity = excluded.quantity,
    filled_quantity = excluded.filled_quantity, status = excluded.status, updated_at = excluded.updated_at
)
insert into matching.fills (trade_id, order_id, user_id, market, side, liquidity, price, quantity, fee, fee_asset, created_at)
select * from jsonb_to_recordset($3::jsonb) as f(trade_id bigint, order_id bigint, user_id uuid, market text,
  side text, liquidity text, price numeric, quantity numeric, fee numeric, fee_asset text, created_at timestamptz)`;

/** Journaled commands between two snapshots, unless MATCHING_SNAPSHOT_EVERY says otherwise. */
export const SNAPSHOT_EVERY_DEFAULT = 100_000;

const INSERT_SNAPSHOT = 'insert into matching.snapshots (seq, state, state_hash) values ($1, $2, $3) on conflict (seq) do nothing';

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
  /**
   * The connection batches are written through, taken from the pool at the first write and held:
   * writes are one at a time anyway, the driver's own `query` skips the query builder and pool
   * round trip per batch, and the batch statement stays prepared on it. If it breaks, the write
   * fails and this sequencer is retired (onJournalFailed).
   */
  private writer?: Promise<PooledConnection>;

  private constructor(
    private readonly orm: MikroORM,
    readonly engine: Engine,
    private readonly logger: Logger,
    private readonly options: SequencerOptions,
  ) {
    this.projection = new Projection(engine, options.finishedOrdersKept);
  }

  static async open(orm: MikroORM, logger: Logger, options: SequencerOptions): Promise<Sequencer> {
    const connection = orm.em.getConnection();
    const [snapshot] = await connection.execute<{ seq: string; state: EngineSnapshot; state_hash: string }[]>(
      'select seq, state, state_hash from matching.snapshots order by seq desc limit 1',
    );
    const engine = snapshot ? Engine.restore(snapshot.state) : new Engine();
    const sequencer = new Sequencer(orm, engine, logger, options);
    sequencer.seq = snapshot ? Number(snapshot.seq) : 0;
    const replayed = await sequencer.replay();
    const live = await connection.execute<Record<string, any>[]>(
      `select * from matching.orders where status in ('pending', 'open', 'partially_filled')`,
    );
    for (const row of live) sequencer.projection.restoreLive(orderRowFromDb(row, engine));
    const clientKeys = await sequencer.loadClientKeys();
    logger.info(
      { snapshotSeq: snapshot ? Number(snapshot.seq) : null, replayed, seq: sequencer.seq, stateHash: engine.stateHash(), clientKeys },
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
    const connection = this.orm.em.getConnection();
    let after = '0';
    let loaded = 0;
    for (;;) {
      const rows = await connection.execute<{ id: string; user_id: string; client_order_id: string }[]>(
        'select id::text as id, user_id, client_order_id from matching.orders where id > ? order by id limit 20000',
        [after],
      );
      if (rows.length === 0) return loaded;
      for (const row of rows) this.projection.knownClientKeys.add(clientOrderKey(row.user_id, row.client_order_id));
      loaded += rows.length;
      after = rows[rows.length - 1].id;
    }
  }

  /** Replays journal entries after the restored snapshot, in pages. */
  private async replay(): Promise<number> {
    const connection = this.orm.em.getConnection();
    let replayed = 0;
    for (;;) {
      const rows = await connection.execute<{ seq: string; command: Command }[]>(
        'select seq, command from matching.journal where seq > ? order by seq limit 5000',
        [this.seq],
      );
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
        await (tracing && traced !== undefined ? tracing.runIn(traced, () => this.write(batch, changes)) : this.write(batch, changes));
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

  /**
   * One batch is one SQL statement, so one round trip and one commit: each table's rows travel
   * as a single JSON array parameter and `jsonb_to_recordset` turns it back into rows. A
   * statement is atomic, so the journal and the read models commit together.
   */
  private async write(batch: Pending[], changes: ReturnType<Projection['drain']>): Promise<void> {
    const journal = batch.map((p) => ({ seq: p.seq, command: p.command }));
    const orders = changes.orders.map((o) => ({
      id: o.id,
      user_id: o.userId,
      market: o.market,
      side: o.side,
      type: o.type,
      time_in_force: o.timeInForce,
      price: o.price,
      stop_price: o.stopPrice,
      quantity: o.quantity,
      quote_amount: o.quoteAmount,
      filled_quantity: o.filledQuantity,
      status: o.status,
      client_order_id: o.clientOrderId,
      created_at: o.createdAt,
      updated_at: o.updatedAt,
    }));
    const fills = changes.fills.map((f) => ({
      trade_id: f.tradeId,
      order_id: f.orderId,
      user_id: f.userId,
      market: f.market,
      side: f.side,
      liquidity: f.liquidity,
      price: f.price,
      quantity: f.quantity,
      fee: f.fee,
      fee_asset: f.feeAsset,
      created_at: f.createdAt,
    }));
    this.writer ??= this.pool().acquireConnection();
    const connection = await this.writer;
    // Named, so the connection parses and plans the statement once and every batch only binds
    // and runs it (planning it each time was about half the statement's time in Postgres).
    await connection.query({
      name: 'matching-write-batch',
      text: WRITE_BATCH,
      values: [journal, orders, fills].map((rows) => JSON.stringify(rows)),
    });
  }

  /** Stores a snapshot whose commands are durable, behind any earlier one, off the batch path. */
  private saveSnapshot(snapshot: { seq: number; state: EngineSnapshot }): void {
    this.snapshotWrites = this.snapshotWrites.then(() =>
      this.insertSnapshot(snapshot).catch((error: unknown) =>
        this.logger.error({ err: error, seq: snapshot.seq }, 'snapshot write failed; restart replays from the one before'),
      ),
    );
  }

  /**
   * On a connection of its own from the pool (the writer's stays free for batches), with the
   * state as a bound parameter: MikroORM's `execute` would inline it into the SQL text,
   * escaping megabytes character by character (hundreds of milliseconds of the event loop,
   * mostly garbage collection, in a CPU profile under load).
   */
  private async insertSnapshot(snapshot: { seq: number; state: EngineSnapshot }): Promise<void> {
    const connection = await this.pool().acquireConnection();
    try {
      await connection.query({ text: INSERT_SNAPSHOT, values: [snapshot.seq, JSON.stringify(snapshot.state), snapshotHash(snapshot.state)] });
    } finally {
      await this.pool().releaseConnection(connection);
    }
  }

  private pool(): ConnectionPool {
    return (this.orm.em.getConnection().getKnex() as unknown as { client: ConnectionPool }).client;
  }

  /** On a clean shutdown: everything durable, plus a snapshot so the next start replays nothing. */
  async close(): Promise<void> {
    if (this.failed !== undefined) {
      // Nothing durable to add, and memory is not the journal's state: no snapshot of it.
      if (this.writer) await this.writer.then((connection) => this.pool().releaseConnection(connection)).catch(() => undefined);
      this.writer = undefined;
      return;
    }
    await this.drainWrites();
    await this.snapshotWrites;
    if (this.writer) await this.pool().releaseConnection(await this.writer);
    this.writer = undefined;
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
