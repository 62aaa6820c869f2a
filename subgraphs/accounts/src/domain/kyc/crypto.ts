import { createHash } from 'node:crypto';
import { DEV_KEY_ID, open, parseKeyring, seal, type Keyring, type SealedData } from '../sealing';

/**
 * KYC personal data is sealed (../sealing.ts) with the keys of KYC_ENCRYPTION_KEYS. To rotate,
 * put the new key first, keep the old one after it, run `reencryptKycData` (admin), then drop
 * the old key.
 */
export type KycKeyring = Keyring;
export { open, seal, type SealedData };

export const DEV_KYC_KEY_ID = DEV_KEY_ID;
/** A well-known key so development and tests work unconfigured; refused in production. */
export const DEV_KYC_KEY = createHash('sha256').update('tradegraph development KYC key (not a secret)').digest();

export function parseKycKeyring(value: string | undefined, production: boolean): KycKeyring {
  return parseKeyring('KYC_ENCRYPTION_KEYS', value, production, DEV_KYC_KEY);
}
