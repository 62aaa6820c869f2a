import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { isProduction } from '@tradegraph/shared';
import type { SealedKey } from './port';

/**
 * AES-256-GCM keys for wallet keys at rest, from EMBEDDED_WALLET_KEYS: "id:base64key,id2:…",
 * the first one encrypting new keys, every one opening old rows (rotation). Outside production
 * an unset variable falls back to a fixed development key so the demo works out of the box;
 * production refuses to start without configured keys.
 */
export const DEV_KEY_ID = 'dev';
export const DEV_KEY = createHash('sha256').update('tradegraph embedded wallet development key').digest();

export interface Keyring {
  activeId: string;
  keys: Map<string, Buffer>;
}

export function embeddedWalletKeyring(spec = process.env.EMBEDDED_WALLET_KEYS): Keyring {
  if (!spec) {
    if (isProduction()) throw new Error('EMBEDDED_WALLET_KEYS is required in production');
    return { activeId: DEV_KEY_ID, keys: new Map([[DEV_KEY_ID, DEV_KEY]]) };
  }
  const keys = new Map<string, Buffer>();
  for (const entry of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at);
    const key = Buffer.from(entry.slice(at + 1), 'base64');
    if (at < 1 || key.length !== 32) throw new Error('EMBEDDED_WALLET_KEYS entries are "id:<32 bytes in base64>"');
    keys.set(id, key);
  }
  const [activeId] = keys.keys();
  if (!activeId) throw new Error('EMBEDDED_WALLET_KEYS names no key');
  return { activeId, keys };
}

/** The wallet's address is the associated data: a sealed key moved to another wallet's row does not open. */
export function seal(keyring: Keyring, plaintext: Buffer, address: string): SealedKey {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.keys.get(keyring.activeId)!, iv);
  cipher.setAAD(Buffer.from(address, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { keyId: keyring.activeId, iv, ciphertext, authTag: cipher.getAuthTag() };
}

export function open(keyring: Keyring, sealed: SealedKey, address: string): Buffer {
  const key = keyring.keys.get(sealed.keyId);
  if (!key) throw new Error(`wallet key ${sealed.keyId} is not configured`);
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
  decipher.setAAD(Buffer.from(address, 'utf8'));
  decipher.setAuthTag(sealed.authTag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
}
