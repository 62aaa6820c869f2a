import { badInput, notFound } from './errors';

/**
 * OIDC sign-in (authorization code + PKCE) against any issuer named in OIDC_PROVIDERS.
 * Google, Apple and Auth0 are entries in that list, not code. openid-client does discovery,
 * PKCE, state and nonce checks and ID token validation (signature against the issuer's JWKS,
 * iss, aud, exp, nonce); it is driven from infra/oidc-client.ts.
 */
export interface OidcProviderConfig {
  /** What clients pass as `provider` (e.g. google). */
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scopes: string;
  /** How the client authenticates at the token endpoint. */
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post';
  /** Plain-http issuer allowed (a local test issuer); never in production. */
  allowInsecureHttp: boolean;
}

/** The verified facts about the person an issuer signed in. */
export interface OidcIdentity {
  provider: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
}

/** The providers of the OIDC_PROVIDERS setting (a JSON array); `production` refuses plain-http issuers. */
export function parseOidcProviders(raw: string | undefined, production: boolean): Map<string, OidcProviderConfig> {
  const providers = new Map<string, OidcProviderConfig>();
  if (!raw) return providers;
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw new Error('OIDC_PROVIDERS must be a JSON array of providers');
  }
  if (!Array.isArray(list)) throw new Error('OIDC_PROVIDERS must be a JSON array of providers');
  for (const entry of list as Record<string, unknown>[]) {
    const text = (key: string) => {
      const value = entry[key];
      if (typeof value !== 'string' || value === '') throw new Error(`OIDC_PROVIDERS: every provider needs "${key}"`);
      return value;
    };
    const config: OidcProviderConfig = {
      name: text('name'),
      issuer: text('issuer'),
      clientId: text('clientId'),
      clientSecret: text('clientSecret'),
      redirectUri: text('redirectUri'),
      scopes: typeof entry.scopes === 'string' ? entry.scopes : 'openid email profile',
      tokenEndpointAuthMethod: entry.tokenEndpointAuthMethod === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic',
      allowInsecureHttp: entry.allowInsecureHttp === true,
    };
    if (config.allowInsecureHttp && production)
      throw new Error(`OIDC provider ${config.name}: allowInsecureHttp is refused in production`);
    providers.set(config.name, config);
  }
  return providers;
}

export function providerNamed(providers: ReadonlyMap<string, OidcProviderConfig>, name: string): OidcProviderConfig {
  const provider = providers.get(name);
  if (!provider) throw notFound(`No OIDC provider named "${name}" is configured`);
  return provider;
}

/** What to keep server-side between the redirect and the callback. */
export interface PendingSignIn {
  state: string;
  codeVerifier: string;
  nonce: string;
  authorizationUrl: string;
}

/** The `state` query parameter of a callback URL. */
export function stateOf(callbackUrl: string): string {
  let url: URL;
  try {
    url = new URL(callbackUrl);
  } catch {
    throw badInput('callbackUrl is not a URL', 'callbackUrl');
  }
  const state = url.searchParams.get('state');
  if (!state) throw badInput('callbackUrl has no state', 'callbackUrl');
  return state;
}

