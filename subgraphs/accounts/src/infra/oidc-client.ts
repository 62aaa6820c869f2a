import { badInput, unauthenticated } from '../domain/errors';
import type { OidcIdentity, OidcProviderConfig, PendingSignIn } from '../domain/oidc';

type OpenIdClient = typeof import('openid-client', { with: { 'resolution-mode': 'import' } });
type Configuration = import('openid-client', { with: { 'resolution-mode': 'import' } }).Configuration;

/**
 * The OIDC relying party (authorization code + PKCE) over openid-client, which does discovery,
 * PKCE, state and nonce checks and ID token validation. One per process (made in prepare()): it
 * keeps each provider's discovered configuration.
 */
export class OidcClient {
  private loaded: Promise<OpenIdClient> | undefined;
  private readonly configurations = new Map<string, Promise<Configuration>>();

  /** openid-client 6 is ESM-only; TypeScript keeps this import() as is under module node16. */
  private library(): Promise<OpenIdClient> {
    return (this.loaded ??= import('openid-client'));
  }

  /** Discovery once per provider (and again after a failure). */
  private configurationOf(provider: OidcProviderConfig): Promise<Configuration> {
    const key = JSON.stringify(provider);
    let configuration = this.configurations.get(key);
    if (!configuration) {
      configuration = (async () => {
        const client = await this.library();
        const auth =
          provider.tokenEndpointAuthMethod === 'client_secret_post'
            ? client.ClientSecretPost(provider.clientSecret)
            : client.ClientSecretBasic(provider.clientSecret);
        return client.discovery(new URL(provider.issuer), provider.clientId, undefined, auth, {
          ...(provider.allowInsecureHttp ? { execute: [client.allowInsecureRequests] } : {}),
          timeout: 10,
        });
      })();
      this.configurations.set(key, configuration);
      configuration.catch(() => this.configurations.delete(key));
    }
    return configuration;
  }

  async beginSignIn(provider: OidcProviderConfig): Promise<PendingSignIn> {
    const client = await this.library();
    const configuration = await this.configurationOf(provider).catch((error: unknown) => {
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

  /**
   * Redeems the code (with the PKCE verifier) and validates the ID token; returns who signed in.
   * `callbackUrl` is the redirect URI with the issuer's query (code, state, iss).
   */
  async finishSignIn(
    provider: OidcProviderConfig,
    callbackUrl: string,
    pending: { state: string; codeVerifier: string; nonce: string },
  ): Promise<OidcIdentity> {
    const client = await this.library();
    const url = new URL(callbackUrl);
    const expected = new URL(provider.redirectUri);
    if (url.origin !== expected.origin || url.pathname !== expected.pathname)
      throw badInput('callbackUrl is not this provider’s redirect URI', 'callbackUrl');
    const configuration = await this.configurationOf(provider);
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
}
