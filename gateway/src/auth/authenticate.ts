import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError } from 'graphql';
import type { TokenVerifier, Viewer } from '@tradegraph/shared';
import { API_KEY_HEADER, unauthenticated, type ApiKeyExchange } from './api-keys';

/**
 * What a caller presents, over HTTP (headers) or WebSocket (connection_init parameters): an
 * Authorization value, an API key, and the address it calls from (an API key's allow-list and its
 * exchange cache depend on it).
 */
export interface Credentials {
  authorization: string | undefined;
  apiKey: string | undefined;
  clientIp: string | undefined;
}

/** Who the caller is: the authorization subgraphs are sent (an API key's exchanged token) and the verified viewer (null: anonymous). */
export interface Authenticated {
  authorization: string | undefined;
  viewer: Viewer | null;
}

/**
 * Checks a caller's credentials: the one check of the gateway, used by HTTP (the fast path and
 * Apollo Server's context) and by WebSocket (connection_init, and each operation of a socket
 * opened with an API key). An API key is exchanged for a short-lived token (api-keys.ts); a token
 * is verified (signature remembered, ended sessions refused). Refusals are GraphQLErrors with
 * the same codes on both transports: UNAUTHENTICATED (HTTP 401) for a bad key, a bad token or
 * both sent at once, UPSTREAM_ERROR (HTTP 503) when the key could not be checked. No credentials
 * is an anonymous caller, never an error.
 */
export type Authenticate = (credentials: Credentials) => Promise<Authenticated>;

export function authenticator(deps: { verifyToken: TokenVerifier; apiKeys: ApiKeyExchange }): Authenticate {
  const { verifyToken, apiKeys } = deps;
  return async ({ authorization, apiKey, clientIp }) => {
    if (apiKey) {
      if (authorization) throw unauthenticated(`Send either ${API_KEY_HEADER} or Authorization, not both`);
      authorization = await apiKeys.authorization(apiKey, clientIp);
    }
    let viewer: Viewer | null;
    try {
      viewer = await verifyToken(authorization);
    } catch (error) {
      // The verifier's refusals carry their code; over HTTP they are answered with 401.
      if (error instanceof GraphQLError) {
        throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 401 } } });
      }
      throw error;
    }
    return { authorization, viewer };
  };
}

/** The credentials of an HTTP request: its Authorization and X-API-Key headers (empty ones count as absent). */
export function httpCredentials(headers: IncomingHttpHeaders, clientIp: string | undefined): Credentials {
  return { authorization: headers.authorization || undefined, apiKey: apiKeyOf(headers), clientIp };
}

/** The credentials of a WebSocket: `authorization` (or `Authorization`) and `apiKey` in connection_init's payload. */
export function socketCredentials(params: Record<string, unknown>, clientIp: string | undefined): Credentials {
  const authorization = params.authorization ?? params.Authorization;
  const apiKey = params.apiKey;
  return {
    authorization: typeof authorization === 'string' && authorization !== '' ? authorization : undefined,
    apiKey: typeof apiKey === 'string' && apiKey !== '' ? apiKey : undefined,
    clientIp,
  };
}

/** The key a request carries, if any. */
export function apiKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const value = headers[API_KEY_HEADER];
  const key = Array.isArray(value) ? value[0] : value;
  return key ? key.trim() : undefined;
}
