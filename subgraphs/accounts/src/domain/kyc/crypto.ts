import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * KYC personal data is sealed with AES-256-GCM before it reaches Postgres. Keys come from
 * KYC_ENCRYPTION_KEYS, a comma-separated list of `<key id>:<32-byte key as base64 or hex>`:
 * the first key seals new data, every listed key opens old data. To rotate, put the new key
 * first, keep the old one after it, run `reencryptKycData` (admin), then drop the old key.
 */
export interface KycKeyring {
  /** Seals everything written from now on. */
  primaryId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export const DEV_KYC_KEY_ID = 'dev';
/** A well-known key so development and tests work unconfigured; refused in production. */
export const DEV_KYC_KEY = createHash('sha256').update('tradegraph development KYC key (not a secret)').digest();

const IV_BYTES = 12;
const TAG_BYTES = 16;

function decodeKey(id: string, encoded: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(encoded) ? Buffer.from(encoded, 'hex') : Buffer.from(encoded, 'base64');
  if (key.length !== 32) throw new Error(`KYC_ENCRYPTION_KEYS: key "${id}" must be 32 bytes (base64 or 64 hex digits)`);
  return key;
}

export function parseKycKeyring(value: string | undefined, production: boolean): KycKeyring {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) {
    if (production) throw new Error('KYC_ENCRYPTION_KEYS is required in production (the development key is public)');
    return { primaryId: DEV_KYC_KEY_ID, keys: new Map([[DEV_KYC_KEY_ID, DEV_KYC_KEY]]) };
  }
  const keys = new Map<string, Buffer>();
  for (const entry of entries) {
    const separator = entry.indexOf(':');
    const id = entry.slice(0, separator);
    if (separator < 1 || !/^[A-Za-z0-9_.-]{1,32}$/.test(id)) {
      throw new Error('KYC_ENCRYPTION_KEYS entries are "<key id>:<key>", the id made of letters, digits, _ . -');
    }
    if (keys.has(id)) throw new Error(`KYC_ENCRYPTION_KEYS names key "${id}" twice`);
    const key = decodeKey(id, entry.slice(separator + 1));
    if (production && key.equals(DEV_KYC_KEY)) throw new Error('KYC_ENCRYPTION_KEYS must not contain the development key in production');
    keys.set(id, key);
  }
  return { primaryId: entries[0].slice(0, entries[0].indexOf(':')), keys };
}

export interface SealedData {
  keyId: string;
  /** iv (12 bytes) ‖ auth tag (16 bytes) ‖ ciphertext */
  blob: Buffer;
}

/**
 * `context` is bound as additional authenticated data (the owner's id), so a sealed row copied
 * onto another user fails to open instead of showing one person's documents as another's.
 */
export function seal(keyring: KycKeyring, plaintext: Buffer, context: string): SealedData {
  const key = keyring.keys.get(keyring.primaryId)!;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { keyId: keyring.primaryId, blob: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]) };
}

export function open(keyring: KycKeyring, sealed: SealedData, context: string): Buffer {
  const key = keyring.keys.get(sealed.keyId);
  if (!key) throw new Error(`KYC key "${sealed.keyId}" is not configured; it is needed to read data sealed with it`);
  const iv = sealed.blob.subarray(0, IV_BYTES);
  const tag = sealed.blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.blob.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

let configured: KycKeyring | undefined;
/** The keyring of this process, read once from the environment. */
export function kycKeyring(): KycKeyring {
  configured ??= parseKycKeyring(process.env.KYC_ENCRYPTION_KEYS, process.env.NODE_ENV === 'production');
  return configured;
}
