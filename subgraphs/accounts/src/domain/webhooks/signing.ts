import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, Stripe's scheme: the receiver gets `Tradegraph-Timestamp: <unix seconds>`
 * and `Tradegraph-Signature: t=<same seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Signing the timestamp with the body lets a receiver refuse a replayed request outside its
 * tolerance window. While an endpoint's secret is being rotated, the header carries one `v1` per
 * valid secret (new first), so a receiver holding either secret verifies.
 */

export const SIGNATURE_HEADER = 'Tradegraph-Signature';
export const TIMESTAMP_HEADER = 'Tradegraph-Timestamp';
export const EVENT_ID_HEADER = 'Tradegraph-Event-Id';
export const WEBHOOK_USER_AGENT = 'Tradegraph-Webhooks/1';

/** The replay window the README recommends to receivers. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` and 32 random bytes, base64url. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret` (the secret's text, prefix included, is the key). */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The `Tradegraph-Signature` value: `t=<timestamp>` and one `v1=` per secret, in the order given. */
export function signatureHeader(secrets: readonly string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${webhookSignature(secret, timestamp, body)}`)].join(',');
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'no matching signature' | 'outside tolerance' };

/**
 * What a receiver does (and the README shows): parse the header, check the timestamp is within
 * `toleranceSeconds` of `nowSeconds`, and compare each `v1` to the expected one in constant time.
 */
export function verifyWebhookSignature(
  header: string | undefined,
  body: string,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): VerifyResult {
  if (!header) return { ok: false, reason: 'malformed' };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && /^\d{1,12}$/.test(value ?? '')) timestamp = Number(value);
    else if (key === 'v1' && value) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(webhookSignature(secret, timestamp, body), 'utf8');
  const matches = signatures.some((signature) => {
    const given = Buffer.from(signature, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) return { ok: false, reason: 'no matching signature' };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'outside tolerance' };
  return { ok: true, timestamp };
}

/** The JSON body of a delivery: `{id, type, createdAt, data}` (never the user id: the endpoint's owner knows it). */
export function webhookBody(event: { id: string; type: string; createdAt: string; data: unknown }): string {
  return JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt, data: event.data });
}
