import type { JWK } from 'jose';

/**
 * Access tokens are short-lived; refresh tokens keep sessions alive. The tokens themselves are
 * signed in infra/token-signing.ts with the keys of infra/signing-keys.ts.
 */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const SIGNING_ALGORITHM = 'ES256';

/** A signing key as stored: the private half signs, the public half is published in the JWKS. */
export interface SigningKeyPair {
  kid: string;
  publicJwk: JWK;
  privateJwk: JWK;
}

/**
 * A retired key stays in the JWKS until every token it signed has expired: the access-token
 * lifetime, plus the time another accounts process may keep signing with its cached copy,
 * plus clock skew between processes.
 */
export const ACTIVE_KEY_CACHE_MS = 10_000;
export const PUBLISH_AFTER_RETIREMENT_MS = (ACCESS_TOKEN_TTL_SECONDS + 60) * 1000 + ACTIVE_KEY_CACHE_MS;

export function signingKeyTooOld(createdAt: Date, now: Date, maxAgeSeconds: number): boolean {
  return now.getTime() - createdAt.getTime() > maxAgeSeconds * 1000;
}
