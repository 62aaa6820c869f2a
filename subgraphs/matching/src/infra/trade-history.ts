import type { MikroORM } from '@mikro-orm/postgresql';
import type { TradeEvent } from '@tradegraph/shared';

// The ORDER BYs name the table's column (`f.trade_id`): a bare `trade_id` would be the select's
// text alias of the same name, and ids would sort as strings ('9' after '10').

/**
 * The executed trades of a market after a trade id, oldest first, read from the fills read
 * model (written in the same transaction as the journal, so a trade is here before it is
 * announced on `matching.trades.<market>`). Markets reads this to build candles: at start, and
 * whenever the live feed may have a gap, so no fill is lost while markets is down.
 */
export async function tradesAfter(orm: MikroORM, market: string, after: bigint, limit: number): Promise<TradeEvent[]> {
  const rows: { trade_id: string; market: string; price: string; quantity: string; side: string; created_at: Date }[] = await orm.em
    .getConnection()
    .execute(
      `select trade_id::text as trade_id, market, price::text as price, quantity::text as quantity, side, created_at
         from matching.fills f
        where liquidity = 'taker' and market = ? and f.trade_id > ?
        order by f.trade_id
        limit ?`,
      [market, after.toString(), limit],
    );
  return rows.map((r) => ({
    tradeId: r.trade_id,
    market: r.market,
    price: r.price,
    quantity: r.quantity,
    takerSide: r.side as 'buy' | 'sell',
    at: new Date(r.created_at).toISOString(),
  }));
}

/**
 * The executed trades of a market before a trade id (all when `before` is undefined), newest
 * first: the pages of `trades(market)` older than matching keeps in memory (app/recent-trades.ts).
 */
export async function tradesBefore(orm: MikroORM, market: string, before: bigint | undefined, limit: number): Promise<TradeEvent[]> {
  if (limit <= 0) return [];
  const rows: { trade_id: string; market: string; price: string; quantity: string; side: string; created_at: Date }[] = await orm.em
    .getConnection()
    .execute(
      `select trade_id::text as trade_id, market, price::text as price, quantity::text as quantity, side, created_at
         from matching.fills f
        where liquidity = 'taker' and market = ?${before === undefined ? '' : ' and f.trade_id < ?'}
        order by f.trade_id desc
        limit ?`,
      before === undefined ? [market, limit] : [market, before.toString(), limit],
    );
  return rows.map((r) => ({
    tradeId: r.trade_id,
    market: r.market,
    price: r.price,
    quantity: r.quantity,
    takerSide: r.side as 'buy' | 'sell',
    at: new Date(r.created_at).toISOString(),
  }));
}
