import { bearerToken, type TokenVerifier, type Viewer } from './auth';

/**
 * Remembers tokens this process has already verified (the gateway, and each subgraph, which
 * verifies again). A signature check (ES256) costs more CPU than the rest of a small request,
 * and a client sends the same token with every request until it expires. Only successful
 * checks are remembered, never past the token's own `exp`, and at most `maxAgeMs`, so a key
 * withdrawn from the key set stops being honoured soon after.
 */
export function rememberVerifiedTokens(verify: TokenVerifier, options: { maxEntries?: number; maxAgeMs?: number } = {}): TokenVerifier {
  const maxEntries = options.maxEntries ?? 50_000;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const verified = new Map<string, { viewer: Viewer; until: number }>();
  return async (authorization) => {
    if (!authorization) return verify(authorization);
    const now = Date.now();
    const known = verified.get(authorization);
    if (known && known.until > now) return known.viewer;
    if (known) verified.delete(authorization);
    const viewer = await verify(authorization);
    if (viewer) {
      const expiresAt = expiryOf(authorization);
      if (expiresAt !== null && expiresAt > now) {
        // Map order is insertion order: the first key is the oldest entry.
        if (verified.size >= maxEntries) verified.delete(verified.keys().next().value as string);
        verified.set(authorization, { viewer, until: Math.min(expiresAt, now + maxAgeMs) });
      }
    }
    return viewer;
  };
}

/** The `exp` claim (ms) of a token whose signature was just verified; null when it has none. */
function expiryOf(authorization: string): number | null {
  const token = bearerToken(authorization);
  const payload = token?.split('.')[1];
  if (!payload) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}
