import { randomBytes } from 'node:crypto';
import { SiweMessage } from 'siwe';
import { getAddress, verifyMessage } from 'ethers';
import { badInput, portOf, unauthenticated, type EntityManager } from '@tradegraph/shared';

/**
 * Sign-In with Ethereum (EIP-4361) and wallet linking (EIP-191). Nonces are issued by us, kept
 * in Postgres, expire after a few minutes and are consumed with one conditional UPDATE, so a
 * signed message can be used once even when two requests race with it.
 */
export interface SiweSettings {
  /** The RFC 4501 authority the message must name (what the wallet shows the user). */
  domain: string;
  /** The origin the message's URI must be on. */
  uri: string;
  chainIds: number[];
  nonceTtlSeconds: number;
}

function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function siweSettings(): SiweSettings {
  const domain = env('SIWE_DOMAIN') ?? `localhost:${portOf('gateway')}`;
  const chainIds = (env('SIWE_CHAIN_IDS') ?? '1')
    .split(',')
    .map((id) => Number(id.trim()))
    .filter((id) => Number.isSafeInteger(id) && id > 0);
  return {
    domain,
    uri: env('SIWE_URI') ?? `http://${domain}`,
    chainIds,
    nonceTtlSeconds: Number(env('SIWE_NONCE_TTL_SECONDS') ?? 300),
  };
}

/** 32 hex characters: alphanumeric as EIP-4361 requires, 128 bits so it cannot be guessed. */
export const newNonce = () => randomBytes(16).toString('hex');

/** Lower-case hex: one address, one row, whatever EIP-55 casing a client sends. */
export function normalizeAddress(raw: string): string {
  try {
    return getAddress(raw).toLowerCase();
  } catch {
    throw badInput('address is not an Ethereum address', 'address');
  }
}

type NoncePurpose = 'sign_in' | 'link';

export async function issueNonce(
  em: EntityManager,
  purpose: NoncePurpose,
  ttlSeconds: number,
  extra: { userId?: string; address?: string; message?: (nonce: string, issuedAt: Date, expiresAt: Date) => string } = {},
): Promise<{ nonce: string; issuedAt: Date; expiresAt: Date; message: string | null }> {
  const nonce = newNonce();
  const issuedAt = new Date();
  const expiresAt = new Date(issuedAt.getTime() + ttlSeconds * 1000);
  const message = extra.message ? extra.message(nonce, issuedAt, expiresAt) : null;
  const connection = em.getConnection();
  // Expired nonces are useless; sweeping a few on each issue keeps the table small without a job.
  await connection.execute(
    `delete from accounts.wallet_nonces where nonce in (select nonce from accounts.wallet_nonces where expires_at < now() - interval '1 hour' limit 100)`,
  );
  await connection.execute(
    'insert into accounts.wallet_nonces (nonce, purpose, user_id, address, message, expires_at, created_at) values (?, ?, ?, ?, ?, ?, ?)',
    [nonce, purpose, extra.userId ?? null, extra.address ?? null, message, expiresAt, issuedAt],
  );
  return { nonce, issuedAt, expiresAt, message };
}

/**
 * Marks the nonce used if it is ours, for this purpose, unused and unexpired — all in one
 * statement, so of two racing requests exactly one wins.
 */
export async function consumeNonce(
  em: EntityManager,
  nonce: string,
  purpose: NoncePurpose,
  match: { userId?: string; address?: string; message?: string } = {},
): Promise<boolean> {
  const conditions = ['nonce = ?', 'purpose = ?', 'used_at is null', 'expires_at > now()'];
  const params: unknown[] = [nonce, purpose];
  for (const [column, value] of [
    ['user_id', match.userId],
    ['address', match.address],
    ['message', match.message],
  ] as const) {
    if (value === undefined) continue;
    conditions.push(`${column} = ?`);
    params.push(value);
  }
  const rows = await em
    .getConnection()
    .execute<{ nonce: string }[]>(
      `update accounts.wallet_nonces set used_at = now() where ${conditions.join(' and ')} returning nonce`,
      params,
    );
  return rows.length === 1;
}

/**
 * Checks everything about a SIWE message except the nonce's state: format, domain, URI origin,
 * chain, validity window and the signature. Returns the parsed message.
 */
export async function verifySiweMessage(raw: string, signature: string, settings: SiweSettings, now = new Date()): Promise<SiweMessage> {
  let message: SiweMessage;
  try {
    message = new SiweMessage(raw);
  } catch {
    throw badInput('message is not an EIP-4361 (Sign-In with Ethereum) message', 'message');
  }
  if (message.domain !== settings.domain)
    throw unauthenticated(`The message is for the domain "${message.domain}", not "${settings.domain}"`);
  let origin: string;
  try {
    origin = new URL(message.uri).origin;
  } catch {
    throw unauthenticated('The message URI is not a URL');
  }
  if (origin !== new URL(settings.uri).origin) throw unauthenticated(`The message URI must be on ${new URL(settings.uri).origin}`);
  if (!settings.chainIds.includes(message.chainId)) {
    throw unauthenticated(`Chain ${message.chainId} is not accepted here (accepted: ${settings.chainIds.join(', ')})`);
  }
  // siwe checks the signature and the message's own validity window (expirationTime, notBefore).
  const result = await message.verify({ signature, domain: settings.domain, time: now.toISOString() }, { suppressExceptions: true });
  if (!result.success) {
    throw unauthenticated(`The signed message was refused: ${result.error?.type ?? 'invalid signature'}`);
  }
  return message;
}

/** The text a user signs (EIP-191 personal_sign) to link a wallet to the account they are in. */
export function linkMessage(input: {
  domain: string;
  userId: string;
  address: string;
  nonce: string;
  issuedAt: Date;
  expiresAt: Date;
}): string {
  return [
    `${input.domain} asks you to link this wallet to your account.`,
    '',
    `Account: ${input.userId}`,
    `Wallet: ${getAddress(input.address)}`,
    `Nonce: ${input.nonce}`,
    `Issued At: ${input.issuedAt.toISOString()}`,
    `Expiration Time: ${input.expiresAt.toISOString()}`,
  ].join('\n');
}

export function nonceOfLinkMessage(message: string): string {
  const match = /^Nonce: ([0-9a-f]{32})$/m.exec(message);
  if (!match) throw badInput('message is not a wallet-link message from this server', 'message');
  return match[1];
}

/** The address that signed `message` (EIP-191), lower-case. */
export function signerOf(message: string, signature: string): string {
  try {
    return verifyMessage(message, signature).toLowerCase();
  } catch {
    throw badInput('signature is not a valid Ethereum signature', 'signature');
  }
}
