import type { FilterQuery } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { decodeCursor, pageSize, toConnection, type AuditedAction, type Connection, type Viewer } from '@tradegraph/shared';
import { badInput, notFound } from '../domain/errors';
import { nextRoles } from '../domain/roles';
import { recordAdminAction } from '../infra/audit-log';
import { AuditEntryRecord } from '../infra/entities/audit';
import { KycRecord } from '../infra/entities/kyc';
import { UserRecord, type SigningKeyRecord } from '../infra/entities/users';
import type { Caller } from './caller';
import { pageUsers } from './users';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
export const isUserId = (value: string) => UUID.test(value);

export interface UserSearch {
  first?: number;
  after?: string;
  /** An email prefix, or a user id. */
  search?: string;
  role?: string;
  /** A KYC status; `none` is users who never submitted. */
  kycStatus?: 'none' | 'pending' | 'approved' | 'rejected';
}

/** Support/admin: users, newest first; search by email prefix or exact id, filter by role and KYC status. */
export async function searchUsers(ctx: Pick<Caller, 'em'>, { first, after, search, role, kycStatus }: UserSearch): Promise<Connection<UserRecord>> {
  const filters: FilterQuery<UserRecord>[] = [];
  const term = search?.trim();
  if (term) {
    if (term.length > 254) throw badInput('search is too long', 'search');
    filters.push(UUID.test(term) ? { id: term.toLowerCase() } : { email: { $like: `${escapeLike(term.toLowerCase())}%` } });
  }
  if (role) filters.push({ roles: { $contains: [role] } } as FilterQuery<UserRecord>);
  if (kycStatus) {
    // A sub-select, so the filter stays one query however many users match.
    const withKyc = ctx.em
      .createQueryBuilder(KycRecord, 'k')
      .select('k.userId')
      .where(kycStatus === 'none' ? {} : { status: kycStatus })
      .getKnexQuery();
    filters.push({ id: { [kycStatus === 'none' ? '$nin' : '$in']: withKyc } } as FilterQuery<UserRecord>);
  }
  return pageUsers(ctx.em, filters.length ? { $and: filters } : {}, first, after);
}

/** Admin: sets a user's roles (audited); the user as changed. */
export async function setUserRoles(ctx: Caller, admin: Viewer, userId: string, roles: string[]): Promise<UserRecord> {
  const user = UUID.test(userId) ? await ctx.em.findOne(UserRecord, { id: userId.toLowerCase() }) : null;
  if (!user) throw notFound('No such user');
  const before = [...user.roles];
  const after = nextRoles(roles, user, admin);
  user.roles = after;
  await recordAdminAction(ctx.em, {
    actorId: admin.userId,
    action: 'set_user_roles',
    targetType: 'User',
    targetId: user.id,
    details: { before, after },
    requestId: ctx.reqId,
  });
  return user;
}

export interface AuditLogQuery {
  first?: number;
  after?: string;
  actorId?: string;
  action?: string;
  targetId?: string;
}

/** Admin: the audit log, newest first. */
export async function auditLog(ctx: Pick<Caller, 'em'>, query: AuditLogQuery): Promise<Connection<AuditEntryRecord>> {
  const { first, after, actorId, action, targetId } = query;
  const size = pageSize(first);
  const cursor = decodeCursor(after);
  if (cursor !== undefined && !/^\d{1,19}$/.test(cursor)) throw badInput('after is not a cursor from this list', 'after');
  if (actorId && !UUID.test(actorId)) return toConnection([], size, () => '', Boolean(cursor));
  const where: FilterQuery<AuditEntryRecord> = {
    ...(cursor ? { id: { $lt: cursor } } : {}),
    ...(actorId ? { actorId: actorId.toLowerCase() } : {}),
    ...(action ? { action } : {}),
    ...(targetId ? { targetId } : {}),
  };
  const rows = await ctx.em.find(AuditEntryRecord, where, { orderBy: { id: 'desc' }, limit: size + 1 });
  return toConnection(rows, size, (e) => String(e.id), Boolean(cursor));
}

/**
 * An admin action of another subgraph, appended to the audit log before it changes anything
 * (the internal audit route). The actor must be an admin by the roles in the database now;
 * otherwise nothing is recorded and the answer is 'not an admin'.
 */
export async function recordAuditedAction(
  orm: MikroORM,
  actorId: string,
  action: AuditedAction & { requestId?: string },
): Promise<{ id: string } | 'not an admin'> {
  const em = orm.em.fork();
  const actor = await em.findOne(UserRecord, { id: actorId });
  if (!actor?.roles.includes('admin')) return 'not an admin';
  const entry = await recordAdminAction(em, { actorId: actor.id, ...action });
  return { id: entry.id };
}

/** Admin: starts signing with a new key now (audited). */
export async function rotateSigningKey(ctx: Caller, admin: Viewer): Promise<SigningKeyRecord> {
  const key = await ctx.services.signingKeys.rotate();
  await recordAdminAction(ctx.em, {
    actorId: admin.userId,
    action: 'rotate_signing_key',
    targetType: 'signing_key',
    targetId: key.kid,
    requestId: ctx.reqId,
  });
  ctx.logger.info({ kid: key.kid }, 'signing key rotated');
  return key;
}
