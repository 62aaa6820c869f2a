import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { EntityManager } from '@tradegraph/shared';

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

export interface AdminAction {
  /** The admin (or support) user who acted. */
  actorId: string;
  /** A verb in snake case, e.g. `set_user_roles`, `review_kyc`, `rotate_signing_key`. */
  action: string;
  targetType?: string;
  targetId?: string;
  /** What changed; never secrets or personal data (the log is readable by every admin). */
  details?: Record<string, unknown>;
  /** The gateway's request id (ctx.reqId), so the log line and the audit entry meet. */
  requestId?: string;
}

/**
 * Records an admin action. It flushes `em`, so call it after making the change and before
 * flushing it yourself: the change and its audit entry then commit in one transaction.
 */
export async function recordAdminAction(em: EntityManager, action: AdminAction): Promise<AuditEntryRecord> {
  const entry = em.create(AuditEntryRecord, {
    at: new Date(),
    actorId: action.actorId,
    action: action.action,
    targetType: action.targetType ?? null,
    targetId: action.targetId ?? null,
    details: action.details ?? {},
    requestId: action.requestId ?? null,
  });
  await em.persistAndFlush(entry);
  return entry;
}
