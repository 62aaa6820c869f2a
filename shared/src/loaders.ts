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

/**
 * Ids of the newest `limit` rows of each owner, in one query (a window function): what
 * `User.orders(first)` and the like need for many users at once.
 */
export async function newestIdsPerOwner(
  em: EntityManager,
  table: string,
  ownerColumn: string,
  owners: readonly string[],
  limit: number,
): Promise<string[]> {
  const placeholders = owners.map(() => '?').join(', ');
  const rows = await em.getConnection().execute<{ id: string }[]>(
    `select id from (
       select id, row_number() over (partition by ${ownerColumn} order by created_at desc, id desc) as rank
       from ${table} where ${ownerColumn} in (${placeholders})
     ) ranked where rank <= ?`,
    [...owners, limit],
  );
  return rows.map((r) => String(r.id));
}
