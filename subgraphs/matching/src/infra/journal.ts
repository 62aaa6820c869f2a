import type { MikroORM } from '@mikro-orm/postgresql';
import type { Command, EngineSnapshot } from '../domain/engine';

/** A connection of MikroORM's pool as the pg driver gives it (MikroORM's connection is knex underneath). */
interface PooledConnection {
  query(query: { name?: string; text: string; values: readonly unknown[] }): Promise<unknown>;
}
interface ConnectionPool {
  acquireConnection(): Promise<PooledConnection>;
  releaseConnection(connection: PooledConnection): Promise<void>;
}

/** The statement that makes a batch durable; see JournalStore.writeBatch. */
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
), outbox as (
  insert into matching.webhook_outbox (events) select $4::jsonb where jsonb_array_length($4::jsonb) > 0
)
insert into matching.fills (trade_id, order_id, user_id, market, side, liquidity, price, quantity, fee, fee_asset, created_at)
select * from jsonb_to_recordset($3::jsonb) as f(trade_id bigint, order_id bigint, user_id uuid, market text,
  side text, liquidity text, price numeric, quantity numeric, fee numeric, fee_asset text, created_at timestamptz)`;

const INSERT_SNAPSHOT = 'insert into matching.snapshots (seq, state, state_hash) values ($1, $2, $3) on conflict (seq) do nothing';

/** An order's read-model row, as the projection keeps it. */
export interface OrderChange {
  id: number;
  userId: string;
  market: string;
  side: string;
  type: string;
  timeInForce: string;
  price: string | null;
  stopPrice: string | null;
  quantity: string | null;
  quoteAmount: string | null;
  filledQuantity: string;
  status: string;
  clientOrderId: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A fill's read-model row, as the projection makes it. */
export interface FillChange {
  tradeId: number;
  orderId: number;
  userId: string;
  market: string;
  side: string;
  liquidity: string;
  price: string;
  quantity: string;
  fee: string;
  feeAsset: string;
  createdAt: Date;
}

/**
 * The engine's storage in PostgreSQL (docs/architecture.md, "An order, end to end"): the journal
 * of commands, the snapshots, and the orders and fills read models and the `trade.*` webhook
 * events (the outbox, shared/src/outbox.ts) written with them. Reads are
 * for a start (snapshot, journal after it, live orders, client ids); batches are written through
 * one held connection, snapshots through another.
 */
export class JournalStore {
  /**
   * The connection batches are written through, taken from the pool at the first write and held:
   * writes are one at a time anyway, the driver's own `query` skips the query builder and pool
   * round trip per batch, and the batch statement stays prepared on it. If it breaks, the write
   * fails and the sequencer using it is retired (its onJournalFailed).
   */
  private writer?: Promise<PooledConnection>;

  constructor(private readonly orm: MikroORM) {}

  /** The newest snapshot, if any. */
  async latestSnapshot(): Promise<{ seq: number; state: EngineSnapshot } | undefined> {
    const [snapshot] = await this.orm.em
      .getConnection()
      .execute<{ seq: string; state: EngineSnapshot; state_hash: string }[]>(
        'select seq, state, state_hash from matching.snapshots order by seq desc limit 1',
      );
    return snapshot ? { seq: Number(snapshot.seq), state: snapshot.state } : undefined;
  }

  /** Journal entries after `seq`, oldest first, one page. */
  commandsAfter(seq: number): Promise<{ seq: string; command: Command }[]> {
    return this.orm.em
      .getConnection()
      .execute<{ seq: string; command: Command }[]>('select seq, command from matching.journal where seq > ? order by seq limit 5000', [
        seq,
      ]);
  }

  /** The read model's rows of orders still live (pending, open, partially filled). */
  liveOrders(): Promise<Record<string, any>[]> {
    return this.orm.em
      .getConnection()
      .execute<Record<string, any>[]>(`select * from matching.orders where status in ('pending', 'open', 'partially_filled')`);
  }

  /** Orders' ids and client ids after order id `after`, in id order, one page. */
  clientOrderIdsAfter(after: string): Promise<{ id: string; user_id: string; client_order_id: string }[]> {
    return this.orm.em
      .getConnection()
      .execute<{ id: string; user_id: string; client_order_id: string }[]>(
        // o.id, not the text alias `id`: ids must page in numeric order.
        'select id::text as id, user_id, client_order_id from matching.orders o where o.id > ? order by o.id limit 20000',
        [after],
      );
  }

  /**
   * One batch is one SQL statement, so one round trip and one commit: each table's rows travel
   * as a single JSON array parameter and `jsonb_to_recordset` turns it back into rows. A
   * statement is atomic, so the journal and the read models commit together.
   */
  async writeBatch(
    journal: { seq: number; command: Command }[],
    changes: { orders: OrderChange[]; fills: FillChange[]; webhookEvents: readonly object[] },
  ): Promise<void> {
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
      values: [journal, orders, fills, changes.webhookEvents].map((rows) => JSON.stringify(rows)),
    });
  }

  /**
   * On a connection of its own from the pool (the writer's stays free for batches), with the
   * state as a bound parameter: MikroORM's `execute` would inline it into the SQL text,
   * escaping megabytes character by character (hundreds of milliseconds of the event loop,
   * mostly garbage collection, in a CPU profile under load).
   */
  async insertSnapshot(seq: number, state: EngineSnapshot, stateHash: string): Promise<void> {
    const connection = await this.pool().acquireConnection();
    try {
      await connection.query({ text: INSERT_SNAPSHOT, values: [seq, JSON.stringify(state), stateHash] });
    } finally {
      await this.pool().releaseConnection(connection);
    }
  }

  /** Gives the batch connection back to the pool; `quietly` when it may be broken. */
  async releaseWriter(quietly = false): Promise<void> {
    if (this.writer) {
      if (quietly) await this.writer.then((connection) => this.pool().releaseConnection(connection)).catch(() => undefined);
      else await this.pool().releaseConnection(await this.writer);
    }
    this.writer = undefined;
  }

  private pool(): ConnectionPool {
    return (this.orm.em.getConnection().getKnex() as unknown as { client: ConnectionPool }).client;
  }
}
