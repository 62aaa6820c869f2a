import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { WebhookEndpointStatus } from '../../domain/webhooks/endpoints';

/**
 * A webhook endpoint. Its signing secret is sealed (domain/sealing.ts, WEBHOOK_SECRET_KEYS,
 * bound to the endpoint's id); during a rotation's grace period the previous secret is kept,
 * sealed the same way, until `previousSecretExpiresAt`. Deliveries, events and attempts are
 * plain SQL (infra/webhook-store.ts): the workers' statements are set-based.
 */
@Entity({ schema: 'accounts', tableName: 'webhook_endpoints' })
export class WebhookEndpointRecord {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  /** The API key (application) that made it; null when the user's own session did. */
  @Property({ type: 'uuid', fieldName: 'api_key_id', nullable: true }) apiKeyId!: string | null;
  @Property({ type: 'text' }) url!: string;
  @Property({ type: 'text' }) description!: string;
  @Property({ type: 'text[]' }) events!: string[];
  @Property({ type: 'text' }) status!: WebhookEndpointStatus;
  @Property({ type: 'text', fieldName: 'secret_key_id' }) secretKeyId!: string;
  @Property({ type: 'blob', hidden: true }) secret!: Buffer;
  @Property({ type: 'text', fieldName: 'previous_secret_key_id', nullable: true }) previousSecretKeyId!: string | null;
  @Property({ type: 'blob', fieldName: 'previous_secret', nullable: true, hidden: true }) previousSecret!: Buffer | null;
  @Property({ type: 'timestamptz', fieldName: 'previous_secret_expires_at', nullable: true }) previousSecretExpiresAt!: Date | null;
  @Property({ type: 'timestamptz', fieldName: 'failing_since', nullable: true }) failingSince!: Date | null;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'updated_at' }) updatedAt!: Date;
}
