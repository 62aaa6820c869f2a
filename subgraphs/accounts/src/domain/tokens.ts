import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@tradegraph/shared';

/** Access tokens are short-lived; refresh tokens (issue 4) keep sessions alive. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const SIGNING_ALGORITHM = 'ES256';

export interface SigningKeyPair {
  kid: string;
  publicJwk: JWK;
  privateJwk: JWK;
}

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
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ACCESS_TOKEN_TTL_SECONDS)
    .setJti(randomUUID())
    .sign(await importJWK(key.privateJwk, SIGNING_ALGORITHM));
  return { token, expiresAt };
}
