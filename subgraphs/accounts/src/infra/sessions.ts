import type { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@tradegraph/shared';
import { SessionRecord } from './entities/sessions';

/** Sessions that ended after `since`, with when they ended. */
export async function sessionsEndedSince(orm: MikroORM, since: Date): Promise<{ id: string; revokedAt: Date }[]> {
  const ended = await orm.em.fork().find(SessionRecord, { revokedAt: { $gt: since } }, { fields: ['id', 'revokedAt'] });
  return ended.map((session) => ({ id: session.id, revokedAt: session.revokedAt! }));
}

/** Whether the session is the user's, unrevoked and unexpired: asked of the database itself, never of a cache. */
export async function isLiveSession(em: EntityManager, sessionId: string, userId: string): Promise<boolean> {
  return (await em.count(SessionRecord, { id: sessionId, userId, revokedAt: null, expiresAt: { $gt: new Date() } })) > 0;
}

/** Ends a session unless it has ended already; whether this call ended it. */
export async function endSession(
  em: EntityManager,
  where: { id: string; userId?: string },
  reason: 'logout' | 'revoked' | 'refresh-token-reuse',
  at = new Date(),
): Promise<boolean> {
  return (await em.nativeUpdate(SessionRecord, { ...where, revokedAt: null }, { revokedAt: at, revokedReason: reason })) === 1;
}

/**
 * Whether a sign-in from `userAgent` comes from a device the user has not signed in from before:
 * they have earlier sessions, none with this User-Agent. (A first sign-in, at sign-up, is no
 * "new device"; sessions deleted after they expired are forgotten devices.)
 */
export async function isNewDevice(em: EntityManager, userId: string, userAgent: string | null): Promise<boolean> {
  const [row] = await em.execute<{ sessions: string; same_device: string }[]>(
    `select count(*) as sessions, count(*) filter (where user_agent is not distinct from ?) as same_device
       from accounts.sessions where user_id = ?`,
    [userAgent, userId],
  );
  return Number(row.sessions) > 0 && Number(row.same_device) === 0;
}
