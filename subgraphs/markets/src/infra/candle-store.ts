import type { EntityManager } from '@mikro-orm/postgresql';
import {
  aggregate,
  fromScaled,
  normalizeDecimal,
  type Candle,
  type CandleDelta,
  type CandleInterval,
  type PricePoint,
} from '../domain/candles';
import { computeTicker, tickerWindowStart, type Ticker, type TickerWindow } from '../domain/tickers';

/**
 * Candles, trade cursors and price ticks in Postgres (tables of Migration20261121300001). Raw
 * SQL because the upsert merges exactly in the database (greatest/least/sum on `numeric`).
 */
export type CandleSource = 'trades' | 'feed';

/** Anything with an entity manager: the ORM (background work) or a request's context. */
export type Db = { em: EntityManager };
type Knex = ReturnType<ReturnType<EntityManager['getConnection']>['getKnex']>;
const knexOf = (db: Db): Knex => db.em.getConnection().getKnex();
type Binding = string | number | Date | boolean | null;

interface CandleRow {
  market: string;
  interval: CandleInterval;
  open_time: Date;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quote_volume: string;
  trades: number;
}

const CANDLE_COLUMNS = `market, interval, open_time, open::text as open, high::text as high, low::text as low,
  close::text as close, volume::text as volume, quote_volume::text as quote_volume, trades`;

function toCandle(row: CandleRow): Candle {
  return {
    market: row.market,
    interval: row.interval,
    openTime: new Date(row.open_time),
    open: normalizeDecimal(row.open),
    high: normalizeDecimal(row.high),
    low: normalizeDecimal(row.low),
    close: normalizeDecimal(row.close),
    volume: normalizeDecimal(row.volume),
    quoteVolume: normalizeDecimal(row.quote_volume),
    trades: Number(row.trades),
  };
}

async function upsertDeltas(trx: Knex, market: string, source: CandleSource, deltas: CandleDelta[]): Promise<Candle[]> {
  if (deltas.length === 0) return [];
  const values: Binding[] = [];
  const tuples = deltas.map((d) => {
    values.push(
      market,
      source,
      d.interval,
      d.openTime,
      fromScaled(d.open, 18),
      fromScaled(d.high, 18),
      fromScaled(d.low, 18),
      fromScaled(d.close, 18),
      fromScaled(d.volume, 18),
      fromScaled(d.quoteVolume, 36),
      d.trades,
    );
    return '(?, ?, ?, ?, ?::numeric, ?::numeric, ?::numeric, ?::numeric, ?::numeric, ?::numeric, ?)';
  });
  const result = await trx.raw(
    `insert into markets.candles as c (market, source, interval, open_time, open, high, low, close, volume, quote_volume, trades)
     values ${tuples.join(', ')}
     on conflict (market, source, interval, open_time) do update set
       high = greatest(c.high, excluded.high),
       low = least(c.low, excluded.low),
       close = excluded.close,
       volume = c.volume + excluded.volume,
       quote_volume = c.quote_volume + excluded.quote_volume,
       trades = c.trades + excluded.trades,
       updated_at = now()
     returning ${CANDLE_COLUMNS}`,
    values,
  );
  return (result.rows as CandleRow[]).map(toCandle);
}

export interface TradePoint extends PricePoint {
  tradeId: bigint;
}

/**
 * Applies trades of one market, oldest first, exactly once: the cursor row is locked, trades at
 * or before it are skipped, and the candles and the cursor move in one transaction. Returns the
 * candles as they now stand (empty when nothing was new).
 */
export async function applyTrades(orm: Db, market: string, trades: TradePoint[]): Promise<{ candles: Candle[]; lastTradeId: bigint }> {
  return knexOf(orm).transaction(async (trx) => {
    await trx.raw('insert into markets.trade_cursors (market) values (?) on conflict (market) do nothing', [market]);
    const cursor = await trx.raw('select last_trade_id::text as last from markets.trade_cursors where market = ? for update', [market]);
    const last = BigInt(cursor.rows[0].last as string);
    const fresh = trades.filter((t) => t.tradeId > last).sort((a, b) => (a.tradeId < b.tradeId ? -1 : a.tradeId > b.tradeId ? 1 : 0));
    if (fresh.length === 0) return { candles: [], lastTradeId: last };
    const candles = await upsertDeltas(trx, market, 'trades', aggregate(fresh));
    const lastTradeId = fresh[fresh.length - 1].tradeId;
    await trx.raw('update markets.trade_cursors set last_trade_id = ?, updated_at = now() where market = ?', [lastTradeId.toString(), market]);
    return { candles, lastTradeId };
  });
}

/** The last trade id applied per market (0 when none). */
export async function tradeCursors(orm: Db): Promise<Map<string, bigint>> {
  const result = await knexOf(orm).raw('select market, last_trade_id::text as last from markets.trade_cursors');
  return new Map((result.rows as { market: string; last: string }[]).map((r) => [r.market, BigInt(r.last)]));
}

export interface Tick {
  market: string;
  price: string;
  at: Date;
}

/**
 * Records reference ticks and, for the markets listed in `candleMarkets` (those without
 * trading), folds them into feed candles with zero volume.
 */
export async function applyTicks(orm: Db, ticks: Tick[], candleMarkets: ReadonlySet<string>): Promise<Candle[]> {
  if (ticks.length === 0) return [];
  return knexOf(orm).transaction(async (trx) => {
    for (let i = 0; i < ticks.length; i += 1000) {
      await trx('markets.price_ticks').insert(ticks.slice(i, i + 1000).map((t) => ({ market: t.market, at: t.at, price: t.price })));
    }
    const byMarket = new Map<string, Tick[]>();
    for (const tick of ticks) {
      if (!candleMarkets.has(tick.market)) continue;
      const list = byMarket.get(tick.market) ?? [];
      list.push(tick);
      byMarket.set(tick.market, list);
    }
    const candles: Candle[] = [];
    for (const [market, list] of byMarket) {
      const points = list.map((t) => ({ price: t.price, quantity: '0', at: t.at }));
      candles.push(...(await upsertDeltas(trx, market, 'feed', aggregate(points))));
    }
    return candles;
  });
}

/** SQL for the source a market's candles come from: its fills once it has traded, else the feed. */
const SOURCE_OF = (marketExpr: string) =>
  `(case when exists (select 1 from markets.trade_cursors tc where tc.market = ${marketExpr} and tc.last_trade_id > 0) then 'trades' else 'feed' end)`;

export interface CandlePage {
  market: string;
  interval: CandleInterval;
  from?: Date;
  to?: Date;
  /** Open time of the last candle of the previous page. */
  after?: Date;
  newestFirst: boolean;
  limit: number;
}

export async function findCandles(orm: Db, page: CandlePage): Promise<Candle[]> {
  const knex = knexOf(orm);
  const conditions = ['market = ?', `source = ${SOURCE_OF('?')}`, 'interval = ?'];
  const values: Binding[] = [page.market, page.market, page.interval];
  if (page.from) {
    conditions.push('open_time >= ?');
    values.push(page.from);
  }
  if (page.to) {
    conditions.push('open_time < ?');
    values.push(page.to);
  }
  if (page.after) {
    conditions.push(page.newestFirst ? 'open_time < ?' : 'open_time > ?');
    values.push(page.after);
  }
  values.push(page.limit);
  const result = await knex.raw(
    `select ${CANDLE_COLUMNS} from markets.candles where ${conditions.join(' and ')}
      order by open_time ${page.newestFirst ? 'desc' : 'asc'} limit ?`,
    values,
  );
  return (result.rows as CandleRow[]).map(toCandle);
}

/** Candles for the CSV export, oldest first, in keyset pages. */
export async function* streamCandles(
  orm: Db,
  query: { market: string; interval: CandleInterval; from?: Date; to?: Date; limit: number },
  pageSize = 1000,
): AsyncGenerator<Candle[]> {
  let after: Date | undefined;
  let remaining = query.limit;
  while (remaining > 0) {
    const rows = await findCandles(orm, { ...query, after, newestFirst: false, limit: Math.min(pageSize, remaining) });
    if (rows.length === 0) return;
    yield rows;
    remaining -= rows.length;
    after = rows[rows.length - 1].openTime;
  }
}

/**
 * Deletes reference ticks older than `before` (retention), market by market and in batches of
 * `batch` rows found through the (market, at) index, so no statement scans the table or holds
 * many row locks while the feed keeps writing. Returns how many rows went; `stopping` ends it
 * between two batches (a shutdown does not wait for a long backlog).
 */
export async function pruneTicks(orm: Db, before: Date, stopping: () => boolean = () => false, batch = 10_000): Promise<number> {
  const knex = knexOf(orm);
  const markets = (await knex.raw('select symbol from markets.markets')).rows as { symbol: string }[];
  let deleted = 0;
  for (const { symbol } of markets) {
    while (!stopping()) {
      const result = await knex.raw(
        `with doomed as (select id from markets.price_ticks where market = ? and at < ? order by at limit ?)
         delete from markets.price_ticks t using doomed where t.id = doomed.id`,
        [symbol, before, batch],
      );
      deleted += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < batch) break;
    }
  }
  return deleted;
}

/** Reference ticks for the CSV export, oldest first, in keyset pages over (at, id). */
export async function* streamTicks(
  orm: Db,
  query: { market?: string; from?: Date; to?: Date; limit: number },
  pageSize = 1000,
): AsyncGenerator<{ at: Date; market: string; price: string }[]> {
  const knex = knexOf(orm);
  let after: { at: Date; id: string } | undefined;
  let remaining = query.limit;
  while (remaining > 0) {
    const conditions: string[] = ['true'];
    const values: Binding[] = [];
    if (query.market) {
      conditions.push('market = ?');
      values.push(query.market);
    }
    if (query.from) {
      conditions.push('at >= ?');
      values.push(query.from);
    }
    if (query.to) {
      conditions.push('at < ?');
      values.push(query.to);
    }
    if (after) {
      conditions.push('(at, id) > (?, ?)');
      values.push(after.at, after.id);
    }
    values.push(Math.min(pageSize, remaining));
    const result = await knex.raw(
      `select id::text as id, market, at, price::text as price from markets.price_ticks
        where ${conditions.join(' and ')} order by at, id limit ?`,
      values,
    );
    const rows = result.rows as { id: string; market: string; at: Date; price: string }[];
    if (rows.length === 0) return;
    yield rows.map((r) => ({ at: new Date(r.at), market: r.market, price: normalizeDecimal(r.price) }));
    remaining -= rows.length;
    const lastRow = rows[rows.length - 1];
    after = { at: new Date(lastRow.at), id: lastRow.id };
  }
}

/** The 24h tickers of `markets` (null for a market that never had a price), in one query. */
export async function findTickers(orm: Db, markets: string[], now = new Date()): Promise<Map<string, Ticker | null>> {
  const out = new Map<string, Ticker | null>();
  if (markets.length === 0) return out;
  const result = await knexOf(orm).raw(
    `with src as (
       select m.market, ${SOURCE_OF('m.market')} as source from unnest(string_to_array(?, ',')) as m(market)
     )
     select s.market, s.source, w.open::text as open, w.high::text as high, w.low::text as low, w.close::text as close,
            w.volume::text as volume, w.quote_volume::text as quote_volume, w.trades,
            (select c.close::text from markets.candles c
              where c.market = s.market and c.source = s.source and c.interval = '1m'
              order by c.open_time desc limit 1) as last_price
       from src s
       left join lateral (
         select (array_agg(c.open order by c.open_time))[1] as open, max(c.high) as high, min(c.low) as low,
                (array_agg(c.close order by c.open_time desc))[1] as close,
                sum(c.volume) as volume, sum(c.quote_volume) as quote_volume, coalesce(sum(c.trades), 0)::int as trades
           from markets.candles c
          where c.market = s.market and c.source = s.source and c.interval = '1m' and c.open_time >= ?
       ) w on true`,
    [markets.join(','), tickerWindowStart(now)],
  );
  for (const row of result.rows as (TickerWindow & { market: string; source: CandleSource; quote_volume: string | null; last_price: string | null })[]) {
    const window: TickerWindow = { ...row, quoteVolume: row.quote_volume, trades: Number(row.trades ?? 0) };
    out.set(row.market, computeTicker(row.market, window, row.last_price, now, row.source));
  }
  return out;
}
