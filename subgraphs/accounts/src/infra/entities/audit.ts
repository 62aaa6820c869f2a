import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One admin action. The table is append-only in Postgres itself (a trigger refuses UPDATE,
 * DELETE and TRUNCATE), so not even a bug or a stolen service account can rewrite history.
 */
@Entity({ schema: 'accounts', tableName: 'audit_log' })
export class AuditEntryRecord {
  @PrimaryKey({ type: 'bigint', autoincrement: true }) id!: string;
  @Property({ type: 'timestamptz' }) at!: Date;
  @Property({ type: 'uuid', fieldName: 'actor_id' }) actorId!: string;
  @Property({ type: 'text' }) action!: string;
  @Property({ type: 'text', fieldName: 'target_type', nullable: true }) targetType!: string | null;
  @Property({ type: 'text', fieldName: 'target_id', nullable: true }) targetId!: string | null;
  @Property({ type: 'json' }) details!: Record<string, unknown>;
  @Property({ type: 'text', fieldName: 'request_id', nullable: true }) requestId!: string | null;
}
