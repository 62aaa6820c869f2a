import { createHash } from 'node:crypto';
import { open, parseKeyring, seal, type Keyring, type SealedData } from '../sealing';

/**
 * Webhook signing secrets are stored sealed (../sealing.ts) under WEBHOOK_SECRET_KEYS, bound to
 * their endpoint's id: signing needs the secret itself (an HMAC key cannot be stored as a hash),
 * and a database dump alone must not let anyone forge our webhooks.
 */
export type WebhookKeyring = Keyring;

/** A well-known key so development and tests work unconfigured; refused in production. */
export const DEV_WEBHOOK_KEY = createHash('sha256').update('tradegraph development webhook key (not a secret)').digest();

export function parseWebhookKeyring(value: string | undefined, production: boolean): WebhookKeyring {
  return parseKeyring('WEBHOOK_SECRET_KEYS', value, production, DEV_WEBHOOK_KEY);
}

export function sealSecret(keyring: WebhookKeyring, secret: string, endpointId: string): SealedData {
  return seal(keyring, Buffer.from(secret, 'utf8'), `webhook-endpoint:${endpointId}`);
}

export function openSecret(keyring: WebhookKeyring, sealed: SealedData, endpointId: string): string {
  return open(keyring, sealed, `webhook-endpoint:${endpointId}`).toString('utf8');
}
