import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '@tradegraph/shared';
import { KEEP_ENDED_SESSIONS_MS } from '../domain/sessions';
import { LoginChallengeRecord, RefreshTokenRecord, SessionRecord } from './entities/sessions';

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
      const tokens = await em.nativeDelete(RefreshTokenRecord, { expiresAt: { $lt: new Date(now - KEEP_ENDED_SESSIONS_MS) } });
      const old = new Date(now - KEEP_ENDED_SESSIONS_MS);
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
