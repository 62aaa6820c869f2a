import { Migration } from '@mikro-orm/migrations';

/**
 * Webhooks (README, "Webhooks"): endpoints, the events accounts stored (each once, by the id its
 * producer gave it), one delivery per (event, endpoint) — redeliveries and test sends excepted —
 * and every attempt of every delivery.
 */
export class Migration20261207100001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table accounts.webhook_endpoints (
      id uuid primary key,
      user_id uuid not null references accounts.users (id) on delete cascade,
      api_key_id uuid references accounts.api_keys (id) on delete cascade,
      url text not null,
      description text not null default '',
      events text[] not null,
      status text not null default 'active' check (status in ('active', 'paused', 'failing')),
      secret_key_id text not null,
      secret bytea not null,
      previous_secret_key_id text,
      previous_secret bytea,
      previous_secret_expires_at timestamptz,
      failing_since timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
    this.addSql('create index webhook_endpoints_user on accounts.webhook_endpoints (user_id, created_at desc, id desc)');
    this.addSql(`create table accounts.webhook_events (
      id uuid primary key,
      type text not null,
      user_id uuid not null,
      created_at timestamptz not null,
      data jsonb not null,
      stored_at timestamptz not null default now()
    )`);
    this.addSql(`create table accounts.webhook_deliveries (
      id uuid primary key default gen_random_uuid(),
      event_id uuid not null references accounts.webhook_events (id) on delete cascade,
      endpoint_id uuid not null references accounts.webhook_endpoints (id) on delete cascade,
      kind text not null default 'event' check (kind in ('event', 'redelivery', 'test')),
      status text not null default 'pending' check (status in ('pending', 'held', 'succeeded', 'failed', 'abandoned')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      give_up_at timestamptz not null,
      locked_until timestamptz,
      last_status_code integer,
      last_error text,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    )`);
    // One delivery of an event to an endpoint, however often the producer's relay posts it.
    this.addSql("create unique index webhook_deliveries_once on accounts.webhook_deliveries (event_id, endpoint_id) where kind = 'event'");
    // The workers' claim: due pending deliveries, oldest due first.
    this.addSql("create index webhook_deliveries_due on accounts.webhook_deliveries (next_attempt_at) where status = 'pending'");
    // An endpoint's delivery log, newest first; and its held deliveries on resume.
    this.addSql('create index webhook_deliveries_endpoint on accounts.webhook_deliveries (endpoint_id, created_at desc, id desc)');
    this.addSql(`create table accounts.webhook_attempts (
      delivery_id uuid not null references accounts.webhook_deliveries (id) on delete cascade,
      attempt integer not null,
      started_at timestamptz not null,
      status_code integer,
      latency_ms integer not null,
      error text,
      response_excerpt text,
      primary key (delivery_id, attempt)
    )`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table accounts.webhook_attempts');
    this.addSql('drop table accounts.webhook_deliveries');
    this.addSql('drop table accounts.webhook_events');
    this.addSql('drop table accounts.webhook_endpoints');
  }
}
