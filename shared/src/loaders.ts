import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { EntityManager } from './orm';

/**
 * A request-scoped DataLoader that fetches many rows in one query and hands each key its row
 * (or null). Every batch is logged at debug level with its size, so tests and operators can see
 * that N entities cost one query, not N.
 */
export function batchLoader<K extends string | number, V>(
  name: string,
  logger: Logger,
  fetchMany: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(async (keys) => {
    logger.debug({ loader: name, keys: keys.length }, 'loader batch');
    const rows = await fetchMany(keys);
    const byKey = new Map(rows.map((row) => [keyOf(row), row] as const));
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/** Like batchLoader, for one-to-many: each key gets the list of rows that belong to it. */
export function groupLoader<K extends string | number, V>(
  name: string,
  logger: Logger,
  fetchMany: (keys: readonly K[]) => Promise<V[]>,
  groupOf: (row: V) => K,
): DataLoader<K, V[]> {
  return new DataLoader<K, V[]>(async (keys) => {
    logger.debug({ loader: name, keys: keys.length }, 'loader batch');
    const rows = await fetchMany(keys);
    const groups = new Map<K, V[]>(keys.map((key) => [key, []]));
    for (const row of rows) groups.get(groupOf(row))?.push(row);
    return keys.map((key) => groups.get(key) ?? []);
  });
}

/** The pieces of knex's client this module uses (MikroORM's connection is knex underneath). */
interface PooledClient {
  acquireConnection(): Promise<{ query(text: string, values: readonly unknown[]): Promise<{ rows: unknown[] }> }>;
  releaseConnection(connection: unknown): Promise<void>;
}

/**
 * Runs one read-only statement (`$1`, `$2`… placeholders) on a connection of MikroORM's pool
 * and returns the rows as the driver gives them, with MikroORM's type parsers (timestamps come
 * back as text: see `toDate`). For the hot reads behind entity fetches: MikroORM's `find` builds
 * the query through its query builder and knex, then hydrates managed entities, which costs
 * several times the CPU of the query itself; rows read this way are plain objects, not entities
 * (never persist them). Outside any transaction, as a `find` of a request's forked manager is.
 */
export async function selectRows<T>(em: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  const client = (em.getConnection().getKnex() as unknown as { client: PooledClient }).client;
  const connection = await client.acquireConnection();
  try {
    return (await connection.query(sql, params)).rows as T[];
  } finally {
    await client.releaseConnection(connection);
  }
}

/** A timestamp column read by `selectRows`, as MikroORM would have hydrated it. */
export function toDate(em: EntityManager, value: string | Date): Date {
  return value instanceof Date ? value : (em.getPlatform().parseDate(value) as Date);
}
