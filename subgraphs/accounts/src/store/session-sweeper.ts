import type { MikroORM } from '@mikro-orm/postgresql';
import { sessionRevocations, type Logger } from '@tradegraph/shared';
import { LoginChallengeRecord, RefreshTokenRecord, SessionRecord } from './session-entities';

/** Ended sessions stay listed for the owner's records (and reuse detection) this long. */
const KEEP_ENDED_MS = 7 * 24 * 3600 * 1000;
const SWEEP_EVERY_MS = 60 * 60 * 1000;

/**
 * Deletes what can never be valid again: expired login challenges, expired refresh tokens and
 * sessions that ended more than a week ago. Every accounts process sweeps; the deletes are
 * idempotent, so running them twice costs nothing but a query.
 */
export function startSessionSweeper(orm: MikroORM, logger: Logger): () => void {
  const sweep = async () => {
    const now = Date.now();
    const em = orm.em.fork();
    try {
      const challenges = await em.nativeDelete(LoginChallengeRecord, { expiresAt: { $lt: new Date(now) } });
      const tokens = await em.nativeDelete(RefreshTokenRecord, { expiresAt: { $lt: new Date(now - KEEP_ENDED_MS) } });
      const old = new Date(now - KEEP_ENDED_MS);
      const sessions = await em.nativeDelete(SessionRecord, { $or: [{ expiresAt: { $lt: old } }, { revokedAt: { $lt: old } }] });
      if (challenges + tokens + sessions > 0) logger.info({ challenges, tokens, sessions }, 'swept ended sessions');
    } catch (error) {
      logger.warn({ err: error }, 'session sweep failed');
    }
  };
  const timer = setInterval(() => void sweep(), SWEEP_EVERY_MS);
  timer.unref();
  void sweep();
  return () => clearInterval(timer);
}

/**
 * Puts every session that ended within the last `accessTokenTtlSeconds` back on the shared list
 * of ended sessions (session-revocations.ts) at start: the embedded list is memory and starts
 * empty, and Redis may have been emptied, while access tokens of those sessions may still be
 * unexpired.
 */
export async function announceRecentlyEndedSessions(orm: MikroORM, accessTokenTtlSeconds: number): Promise<number> {
  const since = new Date(Date.now() - accessTokenTtlSeconds * 1000);
  const ended = await orm.em.fork().find(SessionRecord, { revokedAt: { $gt: since } }, { fields: ['id', 'revokedAt'] });
  const revocations = sessionRevocations();
  for (const session of ended) await revocations.revoke(session.id, new Date(session.revokedAt!.getTime() + accessTokenTtlSeconds * 1000));
  return ended.length;
}
