import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { config, jwksUrl } from './config';
import { forbidden, unauthenticated } from './errors';

/**
 * Who is calling. Subgraphs never trust the network position of the caller: the gateway
 * forwards the bearer token and each subgraph verifies it again against the accounts JWKS.
 */
export interface Viewer {
  userId: string;
  roles: string[];
  /**
   * What the credentials may do. A user's own session holds every scope; a token that the
   * gateway obtained for an API key holds only the key's scopes (claim `scope`, space-separated).
   */
  scopes: Scope[];
  /** Set when the caller authenticated with an API key (claim `akid`). */
  apiKeyId?: string;
  /** The session (refresh-token family) the access token belongs to (claim `sid`). */
  sessionId?: string;
}

export const SCOPES = ['read', 'trade', 'withdraw'] as const;
export type Scope = (typeof SCOPES)[number];
export type Role = 'user' | 'support' | 'admin';

export type TokenVerifier = (authorization: string | undefined) => Promise<Viewer | null>;

/** Accepted signature algorithms; `alg: none` and symmetric algorithms are never accepted. */
export const TOKEN_ALGORITHMS = ['ES256'];

export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  return match?.[1];
}

/** How long jose waits before fetching the key set again for an unknown key id. */
const JWKS_COOLDOWN_MS = 1000;
/** How long a key id the key set did not have, even freshly fetched, is refused without another fetch. */
const UNKNOWN_KID_TTL_MS = 60_000;
const UNKNOWN_KIDS_MAX = 1000;

/** The `kid` a token's header names, if it can be read. */
function kidOf(token: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(token);
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Returns null when no credentials were sent (an anonymous caller), the viewer for a valid
 * token, and throws UNAUTHENTICATED for anything else — a bad token is never anonymous.
 */
export function createTokenVerifier(url = jwksUrl()): TokenVerifier {
  // jose caches the key set and refetches it when a token names an unknown key id (rotation).
  const keys = createRemoteJWKSet(new URL(url), { cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: 10 * 60_000 });
  /**
   * Key ids the key set lacked after a fetch, with when: a token naming one again is refused at
   * once. Otherwise every such token would fetch the key set again (after waiting out the
   * cooldown): made-up key ids would cost each process a fetch per second and their senders'
   * requests seconds each. A key rotated in later has a new id, never one on this list.
   */
  const unknownKids = new Map<string, number>();
  const rememberUnknown = (kid: string | undefined) => {
    if (kid === undefined) return;
    if (unknownKids.size >= UNKNOWN_KIDS_MAX) unknownKids.delete(unknownKids.keys().next().value as string);
    unknownKids.set(kid, Date.now());
  };
  return async (authorization) => {
    if (!authorization) return null;
    const token = bearerToken(authorization);
    if (!token) throw unauthenticated('The authorization must be "Bearer <access token>"');
    const kid = kidOf(token);
    const unknownSince = kid === undefined ? undefined : unknownKids.get(kid);
    if (unknownSince !== undefined) {
      if (Date.now() - unknownSince < UNKNOWN_KID_TTL_MS) throw unauthenticated('The access token is invalid or expired');
      unknownKids.delete(kid!);
    }
    let payload: JWTPayload;
    const verify = () => jwtVerify(token, keys, { issuer: config().TOKEN_ISSUER, audience: config().TOKEN_AUDIENCE, algorithms: TOKEN_ALGORITHMS });
    try {
      try {
        ({ payload } = await verify());
      } catch (error) {
        // A key id we have not seen may be a key rotated in since the last fetch, but jose
        // refetches at most once per cooldown; wait it out once rather than refuse a good token.
        if (!(error instanceof errors.JWKSNoMatchingKey) || !keys.coolingDown) throw error;
        await new Promise((resolve) => setTimeout(resolve, JWKS_COOLDOWN_MS));
        ({ payload } = await verify());
      }
    } catch (error) {
      // The key set was fetched for this id and still lacks it.
      if (error instanceof errors.JWKSNoMatchingKey) rememberUnknown(kid);
      throw unauthenticated('The access token is invalid or expired');
    }
    if (typeof payload.sub !== 'string') throw unauthenticated('The access token names no user');
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    const scopes =
      typeof payload.scope === 'string'
        ? SCOPES.filter((scope) => (payload.scope as string).split(' ').includes(scope))
        : [...SCOPES];
    const apiKeyId = typeof payload.akid === 'string' ? payload.akid : undefined;
    const sessionId = typeof payload.sid === 'string' ? payload.sid : undefined;
    return { userId: payload.sub, roles, scopes, apiKeyId, sessionId };
  };
}

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/**
 * Support and admin may read any user's data; everyone else only their own. Reading user data
 * takes the `read` scope (an API key without it reads nothing of anyone's).
 */
export function canReadUserData(viewer: Viewer | null, ownerId: string): boolean {
  return (
    viewer !== null &&
    viewer.scopes.includes('read') &&
    (viewer.userId === ownerId || viewer.roles.includes('admin') || viewer.roles.includes('support'))
  );
}

/** The caller must be signed in and hold `scope` (API keys may hold fewer than a session). */
export function requireScope(viewer: Viewer | null, scope: Scope): Viewer {
  const signedIn = requireViewer(viewer);
  if (!signedIn.scopes.includes(scope)) throw forbidden(`These credentials lack the "${scope}" scope`);
  return signedIn;
}

/** The caller must hold one of `roles` (admin holds every role's rights). */
export function requireRole(viewer: Viewer | null, ...roles: Role[]): Viewer {
  const signedIn = requireViewer(viewer);
  if (!signedIn.roles.includes('admin') && !roles.some((role) => signedIn.roles.includes(role))) {
    throw forbidden(`This needs the ${roles.join(' or ')} role`);
  }
  return signedIn;
}
