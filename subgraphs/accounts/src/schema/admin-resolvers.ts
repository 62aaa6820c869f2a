import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { FilterQuery } from '@mikro-orm/core';
import {
  Access,
  canReadUserData,
  decodeCursor,
  forbidden,
  newestFirstAfter,
  newestFirstCursor,
  notFound,
  pageSize,
  badInput,
  toConnection,
  type Connection,
  type SubgraphContext,
} from '@tradegraph/shared';
import { AuditEntryRecord, KycRecord, UserRecord, recordAdminAction, type AccountsLoaders } from '../store';
import { KycStatus } from './kyc-types';
import { nextRoles } from '../domain/roles';
import { AuditEntry, AuditEntryConnection, RoleName, UserConnection } from './admin-types';
import { User } from './types';
import { requireCurrentRole } from './staff';

type Context = SubgraphContext<AccountsLoaders>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Newest first, keyset-paged: the shared shape of every user list (admin search, referrals). */
export async function pageUsers(
  ctx: Context,
  where: FilterQuery<UserRecord>,
  first: number | null | undefined,
  after: string | null | undefined,
): Promise<Connection<UserRecord>> {
  const size = pageSize(first);
  const cursor = decodeCursor(after);
  const rows = await ctx.em.find(
    UserRecord,
    { $and: [where, newestFirstAfter(cursor, 'id') as FilterQuery<UserRecord>] },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
  );
  return toConnection(rows, size, (u) => newestFirstCursor(u.createdAt, u.id), Boolean(cursor));
}

function toAuditEntry(record: AuditEntryRecord): AuditEntry {
  return { ...record, id: String(record.id), details: JSON.stringify(record.details ?? {}) };
}

@Resolver(() => User)
export class AdminResolver {
  @Access('read')
  @Query(() => UserConnection, { description: 'Support/admin: users, newest first; search by email prefix or exact id, filter by role' })
  async users(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('search', () => String, { nullable: true, description: 'An email prefix, or a user id' }) search?: string,
    @Arg('role', () => RoleName, { nullable: true }) role?: RoleName,
    @Arg('kycStatus', () => KycStatus, { nullable: true, description: 'e.g. pending: the submissions waiting for reviewKyc' })
    kycStatus?: KycStatus,
  ): Promise<Connection<UserRecord>> {
    await requireCurrentRole(ctx, 'support');
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
        .where(kycStatus === KycStatus.none ? {} : { status: kycStatus })
        .getKnexQuery();
      filters.push({ id: { [kycStatus === KycStatus.none ? '$nin' : '$in']: withKyc } } as FilterQuery<UserRecord>);
    }
    return pageUsers(ctx, filters.length ? { $and: filters } : {}, first, after);
  }

  @Access('read')
  @Query(() => User, { nullable: true, description: 'Support/admin: one user by id' })
  async user(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<UserRecord | null> {
    await requireCurrentRole(ctx, 'support');
    return UUID.test(id) ? ctx.loaders.userById.load(id.toLowerCase()) : null;
  }

  @Access('session')
  @Mutation(() => User, {
    description:
      "Admin: set a user's roles (user is always kept; an admin cannot drop their own admin role). Takes effect at the user's next token.",
  })
  async setUserRoles(
    @Arg('userId', () => ID) userId: string,
    @Arg('roles', () => [RoleName]) roles: RoleName[],
    @Ctx() ctx: Context,
  ): Promise<UserRecord> {
    const admin = await requireCurrentRole(ctx, 'admin');
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

  @Access('read')
  @Query(() => AuditEntryConnection, { description: 'Admin: the audit log, newest first' })
  async auditLog(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('actorId', () => ID, { nullable: true }) actorId?: string,
    @Arg('action', () => String, { nullable: true }) action?: string,
    @Arg('targetId', () => String, { nullable: true }) targetId?: string,
  ): Promise<Connection<AuditEntry>> {
    await requireCurrentRole(ctx, 'admin');
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
    return toConnection(rows.map(toAuditEntry), size, (e) => e.id, Boolean(cursor));
  }

  // Roles and the account's age are the user's own business too: owner, support and admins.
  @Access('read')
  @FieldResolver(() => [String], { description: 'user, support or admin' })
  roles(@Root() user: UserRecord, @Ctx() ctx: Context): string[] {
    if (!canReadUserData(ctx.viewer, user.id)) throw forbidden();
    return user.roles;
  }

  @Access('read')
  @FieldResolver(() => Date)
  createdAt(@Root() user: UserRecord, @Ctx() ctx: Context): Date {
    if (!canReadUserData(ctx.viewer, user.id)) throw forbidden();
    return user.createdAt;
  }
}
