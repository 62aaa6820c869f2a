import { MikroORM, type EntityManager, type Options } from '@mikro-orm/postgresql';
import { Migrator, type Migration } from '@mikro-orm/migrations';
import type { Logger } from 'pino';

export type { EntityManager };
type MigrationClass = new (...args: any[]) => Migration;

export interface DatabaseOptions {
  /** The Postgres schema this subgraph owns; it reads and writes nothing else. */
  schema: string;
  url: string;
  entities: Options['entities'];
  /** Checked-in migrations, oldest first; they run on start. */
  migrations: MigrationClass[];
  logger: Logger;
  poolSize?: number;
}

/**
 * Opens MikroORM on PostgreSQL and runs the subgraph's pending migrations. Tables are always
 * qualified with their schema (entities declare it) and nothing relies on session state such as
 * `search_path`: a subgraph's SQL says which schema it touches, wherever it runs.
 */
export async function openDatabase(options: DatabaseOptions): Promise<MikroORM> {
  const orm = await MikroORM.init({
    clientUrl: options.url,
    entities: options.entities,
    extensions: [Migrator],
    migrations: {
      tableName: `${options.schema}.mikro_orm_migrations`,
      migrationsList: options.migrations.map((migration) => ({ name: migration.name, class: migration })),
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    pool: { min: 0, max: options.poolSize ?? 10 },
    allowGlobalContext: false,
    debug: false,
  });
  const applied = await orm.getMigrator().up();
  if (applied.length > 0) {
    options.logger.info({ migrations: applied.map((m) => m.name) }, 'applied migrations');
  }
  return orm;
}
