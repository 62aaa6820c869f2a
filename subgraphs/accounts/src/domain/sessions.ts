import { createHash, randomBytes } from 'node:crypto';

/**
 * Session lifetimes. A session (one device's sign-in) lasts at most SESSION_TTL_SECONDS
 * (default 30 days) however often it refreshes; each refresh token is good for
 * REFRESH_TOKEN_TTL_SECONDS (default 14 days) or until it is used once, whichever comes first.
 */
export function sessionTtlSeconds(): number {
  return positiveInt(process.env.SESSION_TTL_SECONDS, 30 * 24 * 3600);
}
export function refreshTokenTtlSeconds(): number {
  return positiveInt(process.env.REFRESH_TOKEN_TTL_SECONDS, 14 * 24 * 3600);
}
/** How long the password step of a 2FA login stays good for the code to follow. */
export const LOGIN_CHALLENGE_TTL_SECONDS = 5 * 60;

function positiveInt(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** 256 random bits: unguessable, so a plain SHA-256 is a safe way to store and look it up. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function refreshExpiry(sessionExpiresAt: Date, now = new Date()): Date {
  return new Date(Math.min(sessionExpiresAt.getTime(), now.getTime() + refreshTokenTtlSeconds() * 1000));
}
