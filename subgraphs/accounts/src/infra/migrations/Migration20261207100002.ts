import { Migration } from '@mikro-orm/migrations';

/** Webhook deliveries as a queue: an index of the requests in flight per endpoint (the workers' fairness check, infra/webhook-store.ts), and autovacuum settings for a table that churns. */
export class Migration20261207100002 extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index webhook_deliveries_leased on accounts.webhook_deliveries (endpoint_id, locked_until) where locked_until is not null');
    // A queue table: every delivery is inserted, claimed and finished within seconds, so its
    // statistics and dead rows age fast; vacuum and analyze it far more often than the default
    // 20 % / 10 % of the table.
    this.addSql(`alter table accounts.webhook_deliveries set (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.01, autovacuum_vacuum_cost_delay = 0)`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table accounts.webhook_deliveries reset (autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor, autovacuum_vacuum_cost_delay)');
    this.addSql('drop index accounts.webhook_deliveries_leased');
  }
}
