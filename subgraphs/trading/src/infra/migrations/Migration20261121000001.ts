import { Migration } from '@mikro-orm/migrations';

export class Migration20261121000001 extends Migration {
  override async up(): Promise<void> {
    this.addSql('create schema if not exists trading');
    this.addSql(`create table trading.price_alerts (
      id uuid primary key,
      user_id uuid not null,
      market text not null,
      condition text not null check (condition in ('above', 'below')),
      price numeric(38,18) not null check (price > 0),
      status text not null check (status in ('active', 'triggered', 'cancelled')),
      created_at timestamptz not null default now(),
      triggered_at timestamptz
    )`);
    this.addSql('create index price_alerts_user on trading.price_alerts (user_id, created_at desc)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table trading.price_alerts');
  }
}
