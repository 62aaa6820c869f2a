import { Migration } from '@mikro-orm/migrations';

export class Migration20261121000001 extends Migration {
  override async up(): Promise<void> {
    this.addSql('create schema if not exists accounts');
    this.addSql(`create table accounts.users (
      id uuid primary key,
      email text not null unique,
      password_hash text not null,
      roles text[] not null default '{user}',
      created_at timestamptz not null default now()
    )`);
    this.addSql(`create table accounts.signing_keys (
      kid text primary key,
      public_jwk jsonb not null,
      private_jwk jsonb not null,
      created_at timestamptz not null default now(),
      retired_at timestamptz
    )`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table accounts.signing_keys');
    this.addSql('drop table accounts.users');
  }
}
