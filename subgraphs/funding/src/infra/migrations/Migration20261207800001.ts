import { Migration } from '@mikro-orm/migrations';

/**
 * The LI-FI swap adapter's steps (infra/lifi-swap.ts), one row per deposit: the quote and the
 * signed transactions are stored before they are broadcast, so a restart re-sends the same
 * signed bytes (same nonce: never a second transfer) and polls the same transfer's status.
 */
export class Migration20261207800001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table funding.lifi_swaps (
      deposit_id uuid primary key,
      attempt integer not null default 1,
      status text not null check (status in ('sending', 'sent', 'done', 'failed')),
      quote jsonb not null,
      approval_tx text,
      source_tx text not null,
      source_tx_hash text not null,
      receiving jsonb,
      failure text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists funding.lifi_swaps');
  }
}
