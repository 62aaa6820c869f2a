import { subgraphUrl } from './config';
import { appError, ErrorCode } from './errors';
import { internalHeaders } from './internal-token';
import { ADMIN_AUDIT_PATH, type AuditedAction } from './contracts/accounts-audit';

export { ADMIN_AUDIT_PATH, type AuditedAction } from './contracts/accounts-audit';

/**
 * Records an admin action in the accounts audit log before the caller makes the change. The
 * admin's own credentials go along: accounts verifies them and that the actor is an admin now,
 * so no subgraph can write entries in someone else's name. When accounts refuses or cannot be
 * reached this throws, and the mutation fails without changing anything: no admin change goes
 * unrecorded.
 */
export async function recordAdminActionAtAccounts(
  context: { authorization?: string; reqId: string },
  action: AuditedAction,
): Promise<void> {
  const url = `${subgraphUrl('accounts').replace(/\/graphql\/?$/, '')}${ADMIN_AUDIT_PATH}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(context.authorization ? { authorization: context.authorization } : {}),
        ...internalHeaders(),
      },
      body: JSON.stringify({ ...action, requestId: context.reqId }),
      signal: AbortSignal.timeout(5_000),
    });
  } catch {
    throw appError(ErrorCode.INTERNAL, 'The audit log is unreachable, so nothing was changed; try again');
  }
  if (response.status === 401 || response.status === 403) {
    throw appError(ErrorCode.FORBIDDEN, 'The audit log refused this admin action');
  }
  if (!response.ok) throw appError(ErrorCode.INTERNAL, 'The audit log failed to record this action, so nothing was changed');
}
