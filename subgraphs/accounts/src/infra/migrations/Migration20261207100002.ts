import { Migration } from '@mikro-orm/migrations';

/** Webhook requests in flight per endpoint, for the workers' fairness check (infra/webhook-store.ts): only leased rows are in it. */
export class Migration20261207100002 extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index webhook_deliveries_leased on accounts.webhook_deliveries (endpoint_id, locked_until) where locked_until is not null');
  }

  override async down(): Promise<void> {
    this.addSql('drop index accounts.webhook_deliveries_leased');
  }
}
