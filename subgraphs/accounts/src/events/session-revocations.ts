import type { MikroORM } from '@mikro-orm/postgresql';
import { sessionRevocations, type Logger } from '@tradegraph/shared';
import { ACCESS_TOKEN_TTL_SECONDS } from '../domain/tokens';
import { sessionsEndedSince } from '../infra/sessions';

/**
 * What accounts announces to every process: sessions that ended while access tokens of theirs
 * may still be unexpired (the list and channel of shared/src/contracts/accounts-sessions.ts,
 * kept by shared/src/session-revocations.ts). Every verifier refuses those tokens from then on.
 */
export class SessionRevocationAnnouncer {
  constructor(private readonly logger: Logger) {}

  /**
   * Tells every verifier in the system that `sessionId` has ended: its access tokens, which live
   * on for up to ACCESS_TOKEN_TTL_SECONDS, are refused from now on. The database row is the
   * truth; should Redis be unreachable the revocation is logged and the answer stands, since
   * account-security actions check the row itself.
   */
  async sessionEnded(sessionId: string, endedAt = new Date(), logger = this.logger): Promise<void> {
    try {
      await sessionRevocations().revoke(sessionId, new Date(endedAt.getTime() + ACCESS_TOKEN_TTL_SECONDS * 1000));
    } catch (error) {
      logger.error({ err: error, sessionId }, 'could not announce an ended session; its access tokens live on outside accounts');
    }
  }

  /**
   * Puts every session that ended within the last access-token lifetime back on the shared list
   * of ended sessions at start: the embedded list is memory and starts empty, and Redis may have
   * been emptied, while access tokens of those sessions may still be unexpired.
   */
  async recentlyEndedSessions(orm: MikroORM): Promise<number> {
    const ended = await sessionsEndedSince(orm, new Date(Date.now() - ACCESS_TOKEN_TTL_SECONDS * 1000));
    const revocations = sessionRevocations();
    for (const session of ended) await revocations.revoke(session.id, new Date(session.revokedAt.getTime() + ACCESS_TOKEN_TTL_SECONDS * 1000));
    return ended.length;
  }
}
