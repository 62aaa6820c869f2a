import { createHash } from 'node:crypto';
import { IV_BYTES, TAG_BYTES, open as openSealed, parseKeyring, seal as sealData, type Keyring } from '../sealing';
import type { SealedKey } from './port';

/**
 * Wallet keys at rest are sealed (../sealing.ts) with the keys of EMBEDDED_WALLET_KEYS. The
 * wallet rows keep iv, ciphertext and tag in columns of their own; these two functions map
 * between those columns and the sealed blob.
 */
export type { Keyring };
export const DEV_KEY = createHash('sha256').update('tradegraph embedded wallet development key').digest();

/** The keyring of the EMBEDDED_WALLET_KEYS setting; `production` refuses the development key. */
export function embeddedWalletKeyring(spec: string | undefined, production = false): Keyring {
  return parseKeyring('EMBEDDED_WALLET_KEYS', spec, production, DEV_KEY);
}

/** The wallet's address is the associated data: a sealed key moved to another wallet's row does not open. */
export function seal(keyring: Keyring, plaintext: Buffer, address: string): SealedKey {
  const { keyId, blob } = sealData(keyring, plaintext, address);
  return {
    keyId,
    iv: blob.subarray(0, IV_BYTES),
    authTag: blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
    ciphertext: blob.subarray(IV_BYTES + TAG_BYTES),
  };
}

export function open(keyring: Keyring, sealed: SealedKey, address: string): Buffer {
  return openSealed(keyring, { keyId: sealed.keyId, blob: Buffer.concat([sealed.iv, sealed.authTag, sealed.ciphertext]) }, address);
}
