import { Migration } from '@mikro-orm/migrations';

export class Migration20261121000001 extends Migration {
  override async up(): Promise<void> {
    this.addSql('create schema if not exists matching');
    this.addSql(`create table matching.orders (
      id uuid primary key,
      user_id uuid not null,
      market text not null,
      side text not null check (side in ('buy', 'sell')),
      type text not null,
      price numeric(38,18) check (price > 0),
      quantity numeric(38,18) not null check (quantity > 0),
      filled_quantity numeric(38,18) not null default 0 check (filled_quantity >= 0 and filled_quantity <= quantity),
      status text not null,
      client_order_id text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (user_id, client_order_id)
    )`);
    this.addSql('create index orders_user_created on matching.orders (user_id, created_at desc, id desc)');
    this.addSql(`create index orders_open_book on matching.orders (market, side, price) where status in ('open', 'partially_filled')`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table matching.orders');
  }
}
