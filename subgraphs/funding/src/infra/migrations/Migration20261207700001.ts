import { Migration } from '@mikro-orm/migrations';

/**
 * On-chain withdrawals (issue 22): the hot wallet (its key sealed like the HD seed), its next
 * nonce per chain, quotes, withdrawals, and every signed transaction (a replacement is another
 * transaction with the same nonce). docs/architecture.md, "Withdrawals".
 */
export class Migration20261207700001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table funding.hot_wallet (
      id smallint primary key check (id = 1),
      address text not null,
      key_id text,
      sealed_key bytea,
      created_at timestamptz not null default now()
    )`);
    this.addSql(`create table funding.hot_wallet_nonces (
      chain text not null,
      address text not null,
      next_nonce bigint not null check (next_nonce >= 0),
      primary key (chain, address)
    )`);
    this.addSql(`create table funding.withdrawal_quotes (
      id uuid primary key,
      user_id uuid not null,
      chain text not null,
      asset text not null,
      amount numeric(38,18) not null,
      exchange_fee numeric(38,18) not null,
      network_fee numeric(38,18) not null,
      network_fee_native numeric(38,18) not null,
      expires_at timestamptz not null,
      created_at timestamptz not null default now()
    )`);
    this.addSql(`create table funding.withdrawals (
      id uuid primary key,
      user_id uuid not null,
      idempotency_key text not null,
      chain text not null,
      asset text not null,
      to_address text not null,
      amount numeric(38,18) not null check (amount > 0),
      exchange_fee numeric(38,18) not null,
      network_fee numeric(38,18) not null,
      total numeric(38,18) not null,
      quote_id uuid,
      status text not null,
      locked_at timestamptz,
      from_address text,
      nonce bigint,
      tx_hash text,
      confirmations integer not null default 0,
      required_confirmations integer not null,
      block_number bigint,
      failure text,
      released_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (user_id, idempotency_key),
      unique (chain, from_address, nonce)
    )`);
    this.addSql('create index withdrawals_open on funding.withdrawals (chain, status) where status in (\'requested\', \'signed\', \'broadcast\')');
    this.addSql('create index withdrawals_user on funding.withdrawals (user_id, created_at desc, id desc)');
    this.addSql(`create table funding.withdrawal_txs (
      tx_hash text primary key,
      withdrawal_id uuid not null references funding.withdrawals (id),
      chain text not null,
      from_address text not null,
      nonce bigint not null,
      raw_tx text not null,
      max_fee_per_gas numeric(78,0) not null,
      max_priority_fee_per_gas numeric(78,0) not null,
      broadcasts integer not null default 0,
      broadcast_at timestamptz,
      created_at timestamptz not null default now()
    )`);
    this.addSql('create index withdrawal_txs_of on funding.withdrawal_txs (withdrawal_id)');
  }
}
