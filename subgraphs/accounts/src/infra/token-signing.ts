import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose';
import { config } from '@tradegraph/shared';
import { ACCESS_TOKEN_TTL_SECONDS, SIGNING_ALGORITHM, type SigningKeyPair } from '../domain/tokens';
import { API_KEY_TOKEN_TTL_SECONDS } from '../domain/api-keys';

export async function newSigningKey(): Promise<SigningKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALGORITHM, use: 'sig' };
  return { kid, publicJwk, privateJwk: { ...(await exportJWK(privateKey)), kid } };
}

export async function signAccessToken(
  key: SigningKeyPair,
  subject: { userId: string; roles: string[]; sessionId?: string },
  now = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = new Date((issuedAt + ACCESS_TOKEN_TTL_SECONDS) * 1000);
  const claims = subject.sessionId ? { roles: subject.roles, sid: subject.sessionId } : { roles: subject.roles };
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setSubject(subject.userId)
    .setIssuer(config().TOKEN_ISSUER)
    .setAudience(config().TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ACCESS_TOKEN_TTL_SECONDS)
    .setJti(randomUUID())
    .sign(await importJWK(key.privateJwk, SIGNING_ALGORITHM));
  return { token, expiresAt };
}

/**
 * The access token an API key is exchanged for. It carries the key's scopes (`scope`) and id
 * (`akid`); every verifier maps them onto Viewer.scopes / Viewer.apiKeyId. Staff roles never
 * travel on an API key: a leaked integration key must not be an admin session.
 */
export async function signApiKeyToken(
  key: SigningKeyPair,
  subject: { userId: string; apiKeyId: string; scopes: string[] },
  now = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = new Date((issuedAt + API_KEY_TOKEN_TTL_SECONDS) * 1000);
  const token = await new SignJWT({ roles: ['user'], scope: subject.scopes.join(' '), akid: subject.apiKeyId })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setSubject(subject.userId)
    .setIssuer(config().TOKEN_ISSUER)
    .setAudience(config().TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + API_KEY_TOKEN_TTL_SECONDS)
    .setJti(randomUUID())
    .sign(await importJWK(key.privateJwk, SIGNING_ALGORITHM));
  return { token, expiresAt };
}
