import { randomUUID } from 'node:crypto';
import type { FilterQuery } from '@mikro-orm/core';
import { decodeCursor, newestFirstAfter, newestFirstCursor, pageSize, toConnection, type Connection, type EntityManager } from '@tradegraph/shared';
import { badInput } from '../domain/errors';
import { normalizeReferralCode } from '../domain/referrals';
import { initialRoles } from '../domain/roles';
import { UserRecord } from '../infra/entities/users';
import type { AccountsSettings } from './settings';

/**
 * A new account, not yet flushed, whichever way it signs up (password, wallet, OIDC): it starts
 * as a `user`, and as an admin too when its email is one of ADMIN_EMAILS.
 */
export function newUser(
  em: EntityManager,
  settings: Pick<AccountsSettings, 'adminEmails'>,
  fields: { email: string | null; passwordHash: string | null; referredById?: string | null },
): UserRecord {
  return em.create(UserRecord, {
    referredById: fields.referredById ?? null,
    id: randomUUID(),
    email: fields.email,
    passwordHash: fields.passwordHash,
    roles: initialRoles(fields.email, ['user'], settings.adminEmails),
    createdAt: new Date(),
  });
}

/** Newest first, keyset-paged: the shared shape of every user list (admin search, referrals). */
export async function pageUsers(
  em: EntityManager,
  where: FilterQuery<UserRecord>,
  first: number | null | undefined,
  after: string | null | undefined,
): Promise<Connection<UserRecord>> {
  const size = pageSize(first);
  const cursor = decodeCursor(after);
  const rows = await em.find(
    UserRecord,
    { $and: [where, newestFirstAfter(cursor, 'id') as FilterQuery<UserRecord>] },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
  );
  return toConnection(rows, size, (u) => newestFirstCursor(u.createdAt, u.id), Boolean(cursor));
}

/** Users who signed up with `userId`'s referral code, newest first. */
export function referralsOf(em: EntityManager, userId: string, first?: number | null, after?: string | null) {
  return pageUsers(em, { referredById: userId }, first, after);
}

/**
 * The referrer named by a sign-up's code, checked before the account is made: an unknown
 * code is bad input and creates nothing.
 */
export async function referrerOf(em: EntityManager, rawCode: string | null | undefined): Promise<UserRecord | null> {
  if (rawCode === null || rawCode === undefined || rawCode.trim() === '') return null;
  const referrer = await em.findOne(UserRecord, { referralCode: normalizeReferralCode(rawCode) });
  if (!referrer) throw badInput('referralCode is not a known referral code', 'referralCode');
  return referrer;
}
