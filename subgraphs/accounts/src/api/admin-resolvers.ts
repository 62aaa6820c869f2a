import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access, canReadUserData, forbidden, type Connection } from '@tradegraph/shared';
import { auditLog, isUserId, searchUsers, setUserRoles } from '../app/admin';
import type { AuditEntryRecord } from '../infra/entities/audit';
import type { UserRecord } from '../infra/entities/users';
import { AuditEntry, AuditEntryConnection, RoleName, UserConnection } from './admin-types';
import type { Context } from './context';
import { KycStatus } from './kyc-types';
import { requireCurrentRole } from './staff';
import { User } from './types';

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
    return searchUsers(ctx, { first, after, search, role, kycStatus });
  }

  @Access('read')
  @Query(() => User, { nullable: true, description: 'Support/admin: one user by id' })
  async user(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<UserRecord | null> {
    await requireCurrentRole(ctx, 'support');
    return isUserId(id) ? ctx.loaders.userById.load(id.toLowerCase()) : null;
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
    return setUserRoles(ctx, admin, userId, roles);
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
    const page = await auditLog(ctx, { first, after, actorId, action, targetId });
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toAuditEntry(e.node) })) };
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
