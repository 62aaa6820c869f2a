import { createHash, randomBytes } from 'node:crypto';
import { badInput } from './errors';

/**
 * API keys for integrators. The secret is `tgk_` + 32 random bytes (base64url) and is shown
 * once; we keep its SHA-256. A password needs a slow hash (argon2) because people choose
 * guessable ones; a 256-bit random secret cannot be guessed, so a fast hash already makes a
 * leaked table useless — and a fast, deterministic hash lets the exchange find the key with one
 * indexed lookup instead of trying argon2 against every key.
 * Scopes and IP allow-lists are checked in app/api-keys.ts (they need the platform's scope list
 * and address parsing).
 */
export const API_KEY_PREFIX = 'tgk_';
/** What the gateway gets for a key: a token short enough that key changes take effect soon. */
export const API_KEY_TOKEN_TTL_SECONDS = 120;
export const MAX_API_KEYS_PER_USER = 50;
export const MAX_ALLOW_LIST = 50;

export function newApiKeySecret(): { secret: string; prefix: string; hash: Buffer } {
  const secret = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { secret, prefix: secret.slice(0, API_KEY_PREFIX.length + 8), hash: hashApiKeySecret(secret) };
}

export function hashApiKeySecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Looks like one of ours (cheap check before touching the database). */
export function isApiKeySecret(value: string): boolean {
  return value.startsWith(API_KEY_PREFIX) && /^[A-Za-z0-9_-]{40,80}$/.test(value);
}

/** Known scopes only, at least one, in the platform's order. */
export function validScopes<Scope extends string>(raw: string[], known: readonly Scope[]): Scope[] {
  if (raw.length === 0) throw badInput('Give at least one scope', 'scopes');
  const unknown = raw.filter((s) => !(known as readonly string[]).includes(s));
  if (unknown.length > 0) throw badInput(`Unknown scopes: ${unknown.join(', ')} (known: ${known.join(', ')})`, 'scopes');
  return known.filter((s) => raw.includes(s));
}

export function validLabel(raw: string): string {
  const label = raw.trim();
  if (label.length < 1 || label.length > 100) throw badInput('label must be 1 to 100 characters', 'label');
  return label;
}

/** An API key is usable when it is neither revoked nor expired; otherwise the reason it is not. */
export function apiKeyRefusal(key: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): string | null {
  if (key.revokedAt) return 'The API key was revoked';
  if (key.expiresAt && key.expiresAt <= now) return 'The API key has expired';
  return null;
}
