/**
 * Accounts → every process: sessions that ended before their access tokens expire. The ids are
 * kept in a Redis sorted set and announced on a channel (names inside REDIS_NAMESPACE); each
 * process keeps its own copy and refuses tokens of those sessions.
 */
export const REVOKED_SESSIONS_KEY = 'accounts:revoked-sessions';
export const SESSION_REVOKED_CHANNEL = 'accounts.session.revoked';

export interface SessionRevokedEvent {
  sessionId: string;
  /** Epoch milliseconds after which the session's last token has expired anyway. */
  until: number;
}

/** Accounts' public keys that verify access tokens (JWKS), served to every verifier. */
export const JWKS_PATH = '/.well-known/jwks.json';
