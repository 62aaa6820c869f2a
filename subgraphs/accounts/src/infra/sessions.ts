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
