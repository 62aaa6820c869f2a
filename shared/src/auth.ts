import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, jwksUrl } from './config';
import { unauthenticated } from './errors';

/**
 * Who is calling. Subgraphs never trust the network position of the caller: the gateway
 * forwards the bearer token and each subgraph verifies it again against the accounts JWKS.
 */
export interface Viewer {
  userId: string;
  roles: string[];
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Viewer | null>;

/** Accepted signature algorithms; `alg: none` and symmetric algorithms are never accepted. */
export const TOKEN_ALGORITHMS = ['ES256'];

export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  return match?.[1];
}

/**
 * Returns null when no credentials were sent (an anonymous caller), the viewer for a valid
 * token, and throws UNAUTHENTICATED for anything else — a bad token is never anonymous.
 */
export function createTokenVerifier(url = jwksUrl()): TokenVerifier {
  // jose caches the key set and refetches it when a token names an unknown key id (rotation).
  const keys = createRemoteJWKSet(new URL(url), { cooldownDuration: 1000, cacheMaxAge: 10 * 60_000 });
  return async (authorization) => {
    if (!authorization) return null;
    const token = bearerToken(authorization);
    if (!token) throw unauthenticated('The authorization must be "Bearer <access token>"');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        algorithms: TOKEN_ALGORITHMS,
      }));
    } catch {
      throw unauthenticated('The access token is invalid or expired');
    }
    if (typeof payload.sub !== 'string') throw unauthenticated('The access token names no user');
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    return { userId: payload.sub, roles };
  };
}

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/** Support and admin may read any user's data; everyone else only their own. */
export function canReadUserData(viewer: Viewer | null, ownerId: string): boolean {
  return viewer !== null && (viewer.userId === ownerId || viewer.roles.includes('admin') || viewer.roles.includes('support'));
}
