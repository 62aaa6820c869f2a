import { Migration } from '@mikro-orm/migrations';
import { createWebhookOutboxSql } from '@tradegraph/shared';

/** The webhook outbox: events recorded with the facts they report, until accounts has them (shared/src/outbox.ts). */
export class Migration20261207000001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(createWebhookOutboxSql('trading'));
  }

  override async down(): Promise<void> {
    this.addSql('drop table trading.webhook_outbox');
  }
}
