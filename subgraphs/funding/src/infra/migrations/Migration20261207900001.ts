import { Migration } from '@mikro-orm/migrations';

/** Withdrawals' address book (with its cool-off), the allow-list-only setting, and why a withdrawal is held. */
export class Migration20261207900001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table funding.withdrawal_addresses (
      id bigserial primary key,
      user_id uuid not null,
      chain text not null,
      address text not null,
      label text not null default '',
      usable_from timestamptz not null,
      created_at timestamptz not null default now(),
      unique (user_id, chain, address)
    )`);
    this.addSql(`create table funding.withdrawal_settings (
      user_id uuid primary key,
      allow_list_only boolean not null default false,
      updated_at timestamptz not null default now()
    )`);
    this.addSql('alter table funding.withdrawals add column hold_reason text');
  }
}
