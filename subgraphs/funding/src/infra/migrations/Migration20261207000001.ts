import { Migration } from '@mikro-orm/migrations';
import { createWebhookOutboxSql } from '@tradegraph/shared';

/**
 * Crypto deposits for real (issue 21): deposit addresses, the HD root they derive from, each
 * chain watcher's cursor, and deposits keyed by their identity on chain (chain, transaction,
 * log index; -1 for a coin transfer) with the statuses of domain/deposits.ts.
 */
export class Migration20261207000001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(createWebhookOutboxSql('funding'));
    this.addSql(`create table funding.hd_root (
      id smallint primary key check (id = 1),
      xpub text not null,
      seed_key_id text,
      sealed_seed bytea,
      created_at timestamptz not null default now()
    )`);
    this.addSql('create sequence funding.address_index_seq minvalue 0 start 0');
    this.addSql(`create table funding.deposit_addresses (
      id bigserial primary key,
      user_id uuid not null,
      chain text not null,
      address text not null,
      derivation_index integer not null,
      created_at timestamptz not null default now(),
      unique (user_id, chain),
      unique (chain, address)
    )`);
    this.addSql(`create table funding.chain_cursors (
      chain text primary key,
      block_number bigint not null,
      block_hash text not null,
      genesis_hash text not null,
      updated_at timestamptz not null default now()
    )`);
    this.addSql('alter table funding.deposits drop constraint deposits_status_check');
    this.addSql("update funding.deposits set status = 'detected' where status = 'pending'");
    this.addSql(`alter table funding.deposits add constraint deposits_status_check check (status in
      ('detected', 'confirming', 'confirmed', 'swapping', 'credited', 'failed', 'reversed', 'ignored_dust', 'unsupported_token'))`);
    this.addSql('alter table funding.deposits drop constraint deposits_network_tx_hash_key');
    this.addSql(`alter table funding.deposits
      add column log_index integer not null default -1,
      add column token_address text,
      add column from_address text,
      add column to_address text,
      add column block_number bigint,
      add column block_hash text,
      add column required_confirmations integer not null default 0,
      add column credited_amount numeric(38,18),
      add column swap jsonb,
      add column failure text,
      add column updated_at timestamptz not null default now()`);
    this.addSql('alter table funding.deposits add constraint deposits_identity unique (network, tx_hash, log_index)');
    this.addSql(`create index deposits_open on funding.deposits (network, block_number)
      where status in ('detected', 'confirming', 'confirmed', 'swapping')`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table funding.chain_cursors, funding.deposit_addresses, funding.hd_root, funding.webhook_outbox');
    this.addSql('drop sequence funding.address_index_seq');
  }
}
