import { randomBytes } from 'node:crypto';
import { SiweMessage } from 'siwe';
import { getAddress, verifyMessage } from 'ethers';
import { badInput, unauthenticated } from './errors';

/**
 * Sign-In with Ethereum (EIP-4361) and wallet linking (EIP-191): the checks of a signed message.
 * Nonces are issued by us and kept in Postgres (infra/nonces.ts); the settings come from
 * app/settings.ts (SIWE_DOMAIN, SIWE_URI, SIWE_CHAIN_IDS, SIWE_NONCE_TTL_SECONDS).
 */
export interface SiweSettings {
  /** The RFC 4501 authority the message must name (what the wallet shows the user). */
  domain: string;
  /** The origin the message's URI must be on. */
  uri: string;
  chainIds: number[];
  nonceTtlSeconds: number;
}

/** The settings from their raw values; `defaultDomain` is the gateway's local address. */
export function parseSiweSettings(
  raw: { domain?: string; uri?: string; chainIds?: string; nonceTtlSeconds?: string },
  defaultDomain: string,
): SiweSettings {
  const domain = raw.domain ?? defaultDomain;
  const chainIds = (raw.chainIds ?? '1')
    .split(',')
    .map((id) => Number(id.trim()))
    .filter((id) => Number.isSafeInteger(id) && id > 0);
  return {
    domain,
    uri: raw.uri ?? `http://${domain}`,
    chainIds,
    nonceTtlSeconds: Number(raw.nonceTtlSeconds ?? 300),
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

export type NoncePurpose = 'sign_in' | 'link';

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

/** The wallet a SIWE message claims to be from (before it is verified): the account an attempt targets. */
export function claimedAddressOf(message: string): string | undefined {
  return /^0x[0-9a-fA-F]{40}$/m.exec(message)?.[0]?.toLowerCase();
}
