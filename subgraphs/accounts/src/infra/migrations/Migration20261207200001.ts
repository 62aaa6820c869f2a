import { Migration } from '@mikro-orm/migrations';

/**
 * Webhook retention (infra/webhook-retention.ts): deleting an old event cascades to its
 * deliveries, and Postgres finds them by `event_id` — the unique index on (event_id, endpoint_id)
 * holds only first deliveries (kind = 'event'), not redeliveries and test sends.
 */
export class Migration20261207200001 extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index webhook_deliveries_event on accounts.webhook_deliveries (event_id)');
  }

  override async down(): Promise<void> {
    this.addSql('drop index accounts.webhook_deliveries_event');
  }
}
