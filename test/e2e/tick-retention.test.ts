import { Client as PgClient } from 'pg';
import { eventually } from '../harness/client';
import { ownSystem, startOwnSystem } from '../harness/env';

// Raw reference ticks (markets.price_ticks, behind the CSV export) are kept for
// PRICE_TICKS_RETENTION_DAYS; older ones are deleted in the background, newer ones stay.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(5800, 'ticks');
const DAY = 86_400_000;

describe('reference tick retention', () => {
  let system: { stop(): Promise<void>; databaseUrl: string };
  let pg: PgClient;
  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      services: ['accounts', 'markets', 'matching'],
      env: { PRICE_TICKS_RETENTION_DAYS: '7', PRICE_TICKS_PRUNE_EVERY_MS: '200' },
    });
    pg = new PgClient({ connectionString: system.databaseUrl });
    await pg.connect();
  }, 120000);
  afterAll(async () => {
    await pg?.end();
    await system?.stop();
  });

  it('deletes ticks older than the retention and keeps the rest', async () => {
    const now = Date.now();
    const insert = (market: string, agesMs: number[]) =>
      pg.query(
        `insert into markets.price_ticks (market, at, price)
         select $1, to_timestamp(age_ms / 1000.0), 100 from unnest($2::float8[]) as age_ms`,
        [market, agesMs.map((age) => now - age)],
      );
    // 25,000 old rows on one market: more than one of the pruner's batches.
    const old = Array.from({ length: 25_000 }, (_, i) => 8 * DAY + i * 1000);
    await insert('BTC-USDT', old);
    await insert('ETH-USDT', [30 * DAY, 7 * DAY + 60_000]);
    await insert('BTC-USDT', [6 * DAY, DAY, 60_000]);
    await insert('ETH-USDT', [6 * DAY + 23 * 3_600_000]);

    const count = async (where: string) =>
      Number(
        (await pg.query(`select count(*)::int as n from markets.price_ticks where market in ('BTC-USDT', 'ETH-USDT') and ${where}`)).rows[0]
          .n,
      );
    await eventually(async () => expect(await count(`at < now() - interval '7 days'`)).toBe(0), 20000, 200);
    expect(await count(`at >= now() - interval '7 days' and price = 100`)).toBe(4);
  });
});
