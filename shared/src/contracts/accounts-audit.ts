/**
 * Any subgraph → accounts: an admin action appended to the audit log accounts keeps, before the
 * change is made. `POST /internal/audit` with the admin's own credentials and an `AuditedAction`.
 */
export const ADMIN_AUDIT_PATH = '/internal/audit';

export interface AuditedAction {
  /** A verb in snake case, e.g. `add_market`, `suspend_market`. */
  action: string;
  targetType?: string;
  targetId?: string;
  /** What is about to change; never secrets or personal data (every admin reads the log). */
  details?: Record<string, unknown>;
}
