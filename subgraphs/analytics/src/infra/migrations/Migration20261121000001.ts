import { Migration } from '@mikro-orm/migrations';

export class Migration20261121000001 extends Migration {
  override async up(): Promise<void> {
    this.addSql('create schema if not exists analytics');
    this.addSql(`create table analytics.portfolio_holdings (
      user_id uuid not null,
      asset text not null,
      quantity numeric(38,18) not null check (quantity >= 0),
      updated_at timestamptz not null default now(),
      primary key (user_id, asset)
    )`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table analytics.portfolio_holdings');
  }
}
