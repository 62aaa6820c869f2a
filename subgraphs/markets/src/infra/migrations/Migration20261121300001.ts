import { Migration } from '@mikro-orm/migrations';

/**
 * Candles, trade cursors and the reference price history.
 * - candles: one row per (market, source, interval, open time). `source` keeps candles built
 *   from the exchange's fills apart from those built from the reference feed, so a market that
 *   starts trading switches cleanly. Plain `numeric` (no scale) so quote volume (price × qty)
 *   stays exact.
 * - trade_cursors: the last trade id applied per market, moved in the same transaction as the
 *   candles, so each fill counts exactly once.
 * - price_ticks: every reference price tick, for backtests and the CSV export.
 */
export class Migration20261121300001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table markets.candles (
      market text not null,
      source text not null check (source in ('trades', 'feed')),
      interval text not null check (interval in ('1m', '5m', '15m', '1h', '4h', '1d')),
      open_time timestamptz not null,
      open numeric not null,
      high numeric not null,
      low numeric not null,
      close numeric not null,
      volume numeric not null default 0,
      quote_volume numeric not null default 0,
      trades integer not null default 0,
      updated_at timestamptz not null default now(),
      primary key (market, source, interval, open_time)
    )`);
    this.addSql(`create table markets.trade_cursors (
      market text primary key,
      last_trade_id bigint not null default 0,
      updated_at timestamptz not null default now()
    )`);
    this.addSql(`create table markets.price_ticks (
      id bigserial primary key,
      market text not null,
      at timestamptz not null,
      price numeric not null
    )`);
    this.addSql('create index price_ticks_market_at on markets.price_ticks (market, at, id)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table markets.price_ticks');
    this.addSql('drop table markets.trade_cursors');
    this.addSql('drop table markets.candles');
  }
}
