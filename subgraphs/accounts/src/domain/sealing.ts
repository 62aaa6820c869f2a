/**
 * Secrets at rest (KYC personal data, embedded-wallet keys, webhook signing secrets) are sealed
 * with the shared keyring scheme (shared/src/sealing.ts, which funding uses too), under the
 * names accounts' code was written with.
 */
export {
  SEALING_DEV_KEY_ID as DEV_KEY_ID,
  SEALING_IV_BYTES as IV_BYTES,
  SEALING_TAG_BYTES as TAG_BYTES,
  parseSealingKeyring as parseKeyring,
  sealSecret as seal,
  openSecret as open,
  type SealingKeyring as Keyring,
  type SealedSecret as SealedData,
} from '@tradegraph/shared/domain';
