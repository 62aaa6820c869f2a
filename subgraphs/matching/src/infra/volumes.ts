import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * Each user's traded quote value over the last 30 days in `markets` (fills_user_created serves
 * it per user). Users with no fill there are left out (volume 0).
 */
export async function thirtyDayVolumes(orm: MikroORM, users: readonly string[], markets: readonly string[]): Promise<Map<string, string>> {
  if (users.length === 0 || markets.length === 0) return new Map();
  const rows: { user_id: string; volume: string }[] = await orm.em.getConnection().execute(
    `select user_id, round(sum(price * quantity), 8)::text as volume
       from matching.fills
      where user_id in (?) and market in (?) and created_at > now() - interval '30 days'
      group by user_id`,
    [users, markets],
  );
  return new Map(rows.map((row) => [row.user_id, row.volume]));
}
