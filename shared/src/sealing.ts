import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (KYC personal data, embedded-wallet keys, funding's HD seed) are sealed with AES-256-GCM before
 * they reach Postgres. Each kind of secret has its own setting listing
 * `<key id>:<32-byte key as base64 or 64 hex digits>`, comma-separated: the first key seals new
 * data, every listed key opens old data. To rotate, put the new key first, keep the old one
 * after it, re-seal the rows, then drop the old key.
 *
 * Outside production an unset setting falls back to a well-known development key so the demo
 * works unconfigured; production refuses to start without keys, and refuses that key.
 */
export interface SealingKeyring {
  /** Seals everything written from now on. */
  primaryId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export interface SealedSecret {
  keyId: string;
  /** iv (12 bytes) ‖ auth tag (16 bytes) ‖ ciphertext */
  blob: Buffer;
}

/** The id of the development key (refused in production). */
export const SEALING_DEV_KEY_ID = 'dev';
/** A sealed blob is iv (SEALING_IV_BYTES) ‖ auth tag (SEALING_TAG_BYTES) ‖ ciphertext. */
export const SEALING_IV_BYTES = 12;
export const SEALING_TAG_BYTES = 16;

function decodeKey(setting: string, id: string, encoded: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(encoded) ? Buffer.from(encoded, 'hex') : Buffer.from(encoded, 'base64');
  if (key.length !== 32) throw new Error(`${setting}: key "${id}" must be 32 bytes (base64 or 64 hex digits)`);
  return key;
}

/** Reads a keyring from the value of `setting`; see the module comment for the format. */
export function parseSealingKeyring(setting: string, value: string | undefined, production: boolean, devKey: Buffer): SealingKeyring {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) {
    if (production) throw new Error(`${setting} is required in production (the development key is public)`);
    return { primaryId: SEALING_DEV_KEY_ID, keys: new Map([[SEALING_DEV_KEY_ID, devKey]]) };
  }
  const keys = new Map<string, Buffer>();
  for (const entry of entries) {
    const separator = entry.indexOf(':');
    const id = entry.slice(0, separator);
    if (separator < 1 || !/^[A-Za-z0-9_.-]{1,32}$/.test(id)) {
      throw new Error(`${setting} entries are "<key id>:<key>", the id made of letters, digits, _ . -`);
    }
    if (keys.has(id)) throw new Error(`${setting} names key "${id}" twice`);
    const key = decodeKey(setting, id, entry.slice(separator + 1));
    if (production && key.equals(devKey)) throw new Error(`${setting} must not contain the development key in production`);
    keys.set(id, key);
  }
  return { primaryId: entries[0].slice(0, entries[0].indexOf(':')), keys };
}

/**
 * `context` is bound as additional authenticated data (the owner's id, the wallet's address),
 * so a sealed value copied onto another row fails to open instead of showing one owner's
 * secret as another's.
 */
export function sealSecret(keyring: SealingKeyring, plaintext: Buffer, context: string): SealedSecret {
  const key = keyring.keys.get(keyring.primaryId)!;
  const iv = randomBytes(SEALING_IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { keyId: keyring.primaryId, blob: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]) };
}

export function openSecret(keyring: SealingKeyring, sealed: SealedSecret, context: string): Buffer {
  const key = keyring.keys.get(sealed.keyId);
  if (!key) throw new Error(`Key "${sealed.keyId}" is not configured; it is needed to read data sealed with it`);
  const iv = sealed.blob.subarray(0, SEALING_IV_BYTES);
  const tag = sealed.blob.subarray(SEALING_IV_BYTES, SEALING_IV_BYTES + SEALING_TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.blob.subarray(SEALING_IV_BYTES + SEALING_TAG_BYTES)), decipher.final()]);
}
