import type { EntityManager } from '@tradegraph/shared';
import { AuditEntryRecord } from './entities/audit';

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
