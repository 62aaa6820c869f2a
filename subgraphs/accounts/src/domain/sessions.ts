import { createHash, randomBytes } from 'node:crypto';

/**
 * Session lifetimes. A session (one device's sign-in) lasts at most `sessionTtlSeconds`
 * (SESSION_TTL_SECONDS, default 30 days) however often it refreshes; each refresh token is good
 * for `refreshTokenTtlSeconds` (REFRESH_TOKEN_TTL_SECONDS, default 14 days) or until it is used
 * once, whichever comes first.
 */
export interface SessionLifetimes {
  sessionTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

/** How long the password step of a 2FA login stays good for the code to follow. */
export const LOGIN_CHALLENGE_TTL_SECONDS = 5 * 60;
/** Ended sessions stay listed for the owner's records (and reuse detection) this long. */
export const KEEP_ENDED_SESSIONS_MS = 7 * 24 * 3600 * 1000;

/** 256 random bits: unguessable, so a plain SHA-256 is a safe way to store and look it up. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function refreshExpiry(sessionExpiresAt: Date, refreshTokenTtlSeconds: number, now = new Date()): Date {
  return new Date(Math.min(sessionExpiresAt.getTime(), now.getTime() + refreshTokenTtlSeconds * 1000));
}

export const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
