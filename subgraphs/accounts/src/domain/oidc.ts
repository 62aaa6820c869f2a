import { badInput, isProduction, notFound, unauthenticated } from '@tradegraph/shared';

/**
 * OIDC sign-in (authorization code + PKCE) against any issuer named in OIDC_PROVIDERS.
 * Google, Apple and Auth0 are entries in that list, not code. openid-client does discovery,
 * PKCE, state and nonce checks and ID token validation (signature against the issuer's JWKS,
 * iss, aud, exp, nonce).
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

export function oidcProviders(): Map<string, OidcProviderConfig> {
  const raw = process.env.OIDC_PROVIDERS;
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
    if (config.allowInsecureHttp && isProduction())
      throw new Error(`OIDC provider ${config.name}: allowInsecureHttp is refused in production`);
    providers.set(config.name, config);
  }
  return providers;
}

export function providerNamed(name: string): OidcProviderConfig {
  const provider = oidcProviders().get(name);
  if (!provider) throw notFound(`No OIDC provider named "${name}" is configured`);
  return provider;
}

type OpenIdClient = typeof import('openid-client', { with: { 'resolution-mode': 'import' } });
type Configuration = import('openid-client', { with: { 'resolution-mode': 'import' } }).Configuration;
let library: Promise<OpenIdClient> | undefined;
/** openid-client 6 is ESM-only; TypeScript keeps this import() as is under module node16. */
const openIdClient = () => (library ??= import('openid-client'));

const configurations = new Map<string, Promise<Configuration>>();

/** Discovery once per provider (and again after a failure). */
async function configurationOf(provider: OidcProviderConfig): Promise<Configuration> {
  const key = JSON.stringify(provider);
  let configuration = configurations.get(key);
  if (!configuration) {
    configuration = (async () => {
      const client = await openIdClient();
      const auth =
        provider.tokenEndpointAuthMethod === 'client_secret_post'
          ? client.ClientSecretPost(provider.clientSecret)
          : client.ClientSecretBasic(provider.clientSecret);
      return client.discovery(new URL(provider.issuer), provider.clientId, undefined, auth, {
        ...(provider.allowInsecureHttp ? { execute: [client.allowInsecureRequests] } : {}),
        timeout: 10,
      });
    })();
    configurations.set(key, configuration);
    configuration.catch(() => configurations.delete(key));
  }
  return configuration;
}

/** What to keep server-side between the redirect and the callback. */
export interface PendingSignIn {
  state: string;
  codeVerifier: string;
  nonce: string;
  authorizationUrl: string;
}

export async function beginSignIn(provider: OidcProviderConfig): Promise<PendingSignIn> {
  const client = await openIdClient();
  const configuration = await configurationOf(provider).catch((error: unknown) => {
    throw unauthenticated(`The ${provider.name} issuer could not be reached: ${(error as Error).message}`);
  });
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: provider.redirectUri,
    scope: provider.scopes,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { state, codeVerifier, nonce, authorizationUrl: url.href };
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

/**
 * Redeems the code (with the PKCE verifier) and validates the ID token; returns who signed in.
 * `callbackUrl` is the redirect URI with the issuer's query (code, state, iss).
 */
export async function finishSignIn(
  provider: OidcProviderConfig,
  callbackUrl: string,
  pending: { state: string; codeVerifier: string; nonce: string },
): Promise<OidcIdentity> {
  const client = await openIdClient();
  const url = new URL(callbackUrl);
  const expected = new URL(provider.redirectUri);
  if (url.origin !== expected.origin || url.pathname !== expected.pathname)
    throw badInput('callbackUrl is not this provider’s redirect URI', 'callbackUrl');
  const configuration = await configurationOf(provider);
  let claims: Record<string, unknown> | undefined;
  try {
    const tokens = await client.authorizationCodeGrant(configuration, url, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    claims = tokens.claims() as Record<string, unknown> | undefined;
    // Issuers that follow the spec strictly put scope claims (email) only in UserInfo.
    if (claims && typeof claims.sub === 'string' && claims.email === undefined && configuration.serverMetadata().userinfo_endpoint) {
      const userInfo = (await client.fetchUserInfo(configuration, tokens.access_token, claims.sub)) as Record<string, unknown>;
      claims = { ...claims, email: userInfo.email, email_verified: userInfo.email_verified };
    }
  } catch (error) {
    // openid-client's ResponseBodyError carries the issuer's OAuth error code and description.
    const { error: code, error_description: description } = error as { error?: string; error_description?: string };
    const reason = code ? `${code}${description ? ` (${description})` : ''}` : (error as Error).message;
    throw unauthenticated(`The ${provider.name} sign-in was refused: ${reason}`);
  }
  if (!claims || typeof claims.sub !== 'string') throw unauthenticated('The issuer returned no subject');
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : null;
  return { provider: provider.name, subject: claims.sub, email, emailVerified: claims.email_verified === true };
}
