import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { SignJWT, importJWK } from 'jose';
import { SCOPES, TOKEN_AUDIENCE, TOKEN_ISSUER, addressList, badInput, normalizeIp, type Scope } from '@tradegraph/shared';
import { SIGNING_ALGORITHM, type SigningKeyPair } from './tokens';

/**
 * API keys for integrators. The secret is `tgk_` + 32 random bytes (base64url) and is shown
 * once; we keep its SHA-256. A password needs a slow hash (argon2) because people choose
 * guessable ones; a 256-bit random secret cannot be guessed, so a fast hash already makes a
 * leaked table useless — and a fast, deterministic hash lets the exchange find the key with one
 * indexed lookup instead of trying argon2 against every key.
 */
export const API_KEY_PREFIX = 'tgk_';
/** What the gateway gets for a key: a token short enough that key changes take effect soon. */
export const API_KEY_TOKEN_TTL_SECONDS = 120;
export const MAX_API_KEYS_PER_USER = 50;
const MAX_ALLOW_LIST = 50;

export function newApiKeySecret(): { secret: string; prefix: string; hash: Buffer } {
  const secret = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { secret, prefix: secret.slice(0, API_KEY_PREFIX.length + 8), hash: hashApiKeySecret(secret) };
}

export function hashApiKeySecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Looks like one of ours (cheap check before touching the database). */
export function isApiKeySecret(value: string): boolean {
  return value.startsWith(API_KEY_PREFIX) && /^[A-Za-z0-9_-]{40,80}$/.test(value);
}

export function validScopes(raw: string[]): Scope[] {
  if (raw.length === 0) throw badInput('Give at least one scope', 'scopes');
  const unknown = raw.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw badInput(`Unknown scopes: ${unknown.join(', ')} (known: ${SCOPES.join(', ')})`, 'scopes');
  return SCOPES.filter((s) => raw.includes(s));
}

/** Addresses or CIDR ranges, checked here so a typo is an error rather than a key nobody can use. */
export function validAllowList(raw: string[]): string[] {
  if (raw.length > MAX_ALLOW_LIST) throw badInput(`At most ${MAX_ALLOW_LIST} entries`, 'ipAllowList');
  return raw.map((entry) => {
    const [address, bits, extra] = entry.trim().split('/');
    const family = isIP(address);
    const maxBits = family === 4 ? 32 : 128;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (family === 0 || !okBits || extra !== undefined) throw badInput(`"${entry}" is not an IP address or CIDR range`, 'ipAllowList');
    return bits === undefined ? address : `${address}/${bits}`;
  });
}

export function validLabel(raw: string): string {
  const label = raw.trim();
  if (label.length < 1 || label.length > 100) throw badInput('label must be 1 to 100 characters', 'label');
  return label;
}

/** An empty list allows every address. */
export function ipAllowed(allowList: string[], ip: string | undefined): boolean {
  if (allowList.length === 0) return true;
  const address = normalizeIp(ip);
  if (!address) return false;
  return addressList(allowList.join(',')).check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
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
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + API_KEY_TOKEN_TTL_SECONDS)
    .setJti(randomUUID())
    .sign(await importJWK(key.privateJwk, SIGNING_ALGORITHM));
  return { token, expiresAt };
}
