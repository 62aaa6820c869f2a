import { Migration } from '@mikro-orm/migrations';

/**
 * The engine arrives: the journal and snapshots make it durable, and orders/fills become read
 * models projected from its events. Order ids are now the engine's sequence numbers.
 */
export class Migration20261121000002 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table matching.journal (
      seq bigint primary key,
      command jsonb not null,
      created_at timestamptz not null default now()
    )`);
    this.addSql(`create table matching.snapshots (
      seq bigint primary key,
      state jsonb not null,
      state_hash text not null,
      created_at timestamptz not null default now()
    )`);
    this.addSql('drop table matching.orders');
    this.addSql(`create table matching.orders (
      id bigint primary key,
      user_id uuid not null,
      market text not null,
      side text not null check (side in ('buy', 'sell')),
      type text not null,
      time_in_force text not null,
      price numeric(38,18),
      stop_price numeric(38,18),
      quantity numeric(38,18),
      quote_amount numeric(38,18),
      filled_quantity numeric(38,18) not null default 0,
      status text not null,
      client_order_id text not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      unique (user_id, client_order_id)
    )`);
    this.addSql('create index orders_user_created on matching.orders (user_id, created_at desc, id desc)');
    this.addSql(`create table matching.fills (
      trade_id bigint not null,
      order_id bigint not null,
      user_id uuid not null,
      market text not null,
      side text not null,
      liquidity text not null check (liquidity in ('maker', 'taker')),
      price numeric(38,18) not null,
      quantity numeric(38,18) not null,
      fee numeric(38,18) not null,
      fee_asset text not null,
      created_at timestamptz not null,
      primary key (trade_id, order_id)
    )`);
    this.addSql('create index fills_user_created on matching.fills (user_id, created_at desc, trade_id desc)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table matching.fills');
    this.addSql('drop table matching.snapshots');
    this.addSql('drop table matching.journal');
  }
}
