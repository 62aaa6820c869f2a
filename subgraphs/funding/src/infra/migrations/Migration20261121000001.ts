import { Migration } from '@mikro-orm/migrations';

export class Migration20261121000001 extends Migration {
  override async up(): Promise<void> {
    this.addSql('create schema if not exists funding');
    this.addSql(`create table funding.deposits (
      id uuid primary key,
      user_id uuid not null,
      asset text not null,
      network text not null,
      amount numeric(38,18) not null check (amount > 0),
      status text not null check (status in ('pending', 'confirmed', 'credited', 'failed')),
      confirmations integer not null default 0 check (confirmations >= 0),
      tx_hash text,
      created_at timestamptz not null default now(),
      unique (network, tx_hash)
    )`);
    this.addSql('create index deposits_user_created on funding.deposits (user_id, created_at desc, id desc)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table funding.deposits');
  }
}
