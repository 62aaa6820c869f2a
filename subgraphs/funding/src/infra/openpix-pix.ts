import { createHash, createHmac, timingSafeEqual, verify } from 'node:crypto';
import type { PixKeyType, PixProvider, ProviderCharge, ProviderNotice, ProviderPayout } from '../domain/pix';

/**
 * The OpenPix/Woovi adapter of the `pix` rail (domain/pix.ts), written against OpenPix's documented
 * REST API: `Authorization: <AppID>` on every call;
 *  - `POST /api/v1/charge` {correlationID, value (centavos), comment, expiresIn (s)} → {charge: {…, brCode, expiresDate, status}};
 *  - `GET /api/v1/charge/{id}` (the id may be the correlationID) → {charge};
 *  - `POST /api/v1/charge/{id}/refund` {correlationID, value, comment};
 *  - `POST /api/v1/payment` {correlationID, value, destinationAlias, destinationAliasType, comment}, then
 *    `POST /api/v1/payment/approve` {correlationID} (a payout to a PIX key);
 *  - webhooks signed in `x-webhook-signature`: base64 RSA-SHA256 (sha256WithRSAEncryption) of the raw
 *    body with OpenPix's private key, checked with its published public key (`publicKeyPem`); the
 *    older `X-OpenPix-Signature` (base64 HMAC-SHA1 of the body with the webhook's secret) only when
 *    `hmacSecret` is configured, and then in addition, never instead.
 * Every call carries our correlation id, so a repeat (a crash, a timeout) finds the same charge or payout.
 */
export interface OpenPixSettings {
  baseUrl: string;
  appId: string;
  publicKeyPem: string;
  hmacSecret?: string;
  timeoutMs?: number;
}

/** OpenPix answered something other than success (status and its error text). */
export class OpenPixError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface OpenPixCharge {
  correlationID: string;
  identifier?: string;
  transactionID?: string;
  value: number;
  status: string;
  brCode: string;
  expiresDate: string;
  paymentMethods?: { pix?: { endToEndId?: string } };
  pix?: { endToEndId?: string };
}

const header = (headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined => {
  const value = headers[name.toLowerCase()] ?? headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export class OpenPixProvider implements PixProvider {
  readonly name = 'openpix';

  constructor(private readonly settings: OpenPixSettings) {}

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.settings.baseUrl.replace(/\/$/, '')}${path}`, {
      method,
      headers: { authorization: this.settings.appId, 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.settings.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 200);
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? message;
      } catch {
        // not JSON: the text as it is
      }
      throw new OpenPixError(response.status, `OpenPix ${method} ${path} answered ${response.status}: ${message}`);
    }
    return JSON.parse(text) as T;
  }

  private toCharge(charge: OpenPixCharge): ProviderCharge {
    const status = charge.status === 'COMPLETED' ? 'paid' : charge.status === 'EXPIRED' ? 'expired' : charge.status === 'REFUNDED' ? 'refunded' : 'pending';
    return {
      providerId: charge.identifier ?? charge.transactionID ?? charge.correlationID,
      correlationId: charge.correlationID,
      cents: Number(charge.value),
      status,
      brCode: charge.brCode,
      expiresAt: new Date(charge.expiresDate),
      endToEndId: charge.paymentMethods?.pix?.endToEndId ?? charge.pix?.endToEndId ?? null,
    };
  }

  async createCharge(request: { correlationId: string; cents: number; expiresInSeconds: number; comment: string }): Promise<ProviderCharge> {
    try {
      const { charge } = await this.call<{ charge: OpenPixCharge }>('POST', '/api/v1/charge', {
        correlationID: request.correlationId,
        value: request.cents,
        comment: request.comment.slice(0, 140),
        expiresIn: request.expiresInSeconds,
      });
      return this.toCharge(charge);
    } catch (error) {
      // Created before (a repeat after a timeout): the same charge, found by our correlation id.
      if (error instanceof OpenPixError && error.status === 400) {
        const existing = await this.charge(request.correlationId);
        if (existing && existing.cents === request.cents) return existing;
      }
      throw error;
    }
  }

  async charge(correlationId: string): Promise<ProviderCharge | null> {
    try {
      const { charge } = await this.call<{ charge: OpenPixCharge }>('GET', `/api/v1/charge/${encodeURIComponent(correlationId)}`);
      return this.toCharge(charge);
    } catch (error) {
      if (error instanceof OpenPixError && (error.status === 404 || error.status === 400)) return null;
      throw error;
    }
  }

  async refund(request: { correlationId: string; refundCorrelationId: string; cents: number; comment: string }): Promise<void> {
    await this.call('POST', `/api/v1/charge/${encodeURIComponent(request.correlationId)}/refund`, {
      correlationID: request.refundCorrelationId,
      value: request.cents,
      comment: request.comment.slice(0, 140),
    });
  }

  async payout(request: { correlationId: string; cents: number; pixKey: string; pixKeyType: PixKeyType; comment: string }): Promise<ProviderPayout> {
    await this.call('POST', '/api/v1/payment', {
      correlationID: request.correlationId,
      value: request.cents,
      destinationAlias: request.pixKey,
      destinationAliasType: request.pixKeyType,
      comment: request.comment.slice(0, 140),
    });
    const { payment } = await this.call<{ payment: { status: string; correlationID: string } }>('POST', '/api/v1/payment/approve', {
      correlationID: request.correlationId,
    });
    const status = payment.status === 'CONFIRMED' ? 'completed' : payment.status === 'FAILED' || payment.status === 'DENIED' ? 'failed' : 'sent';
    return { correlationId: payment.correlationID, status, failure: status === 'failed' ? `OpenPix payment ${payment.status}` : null };
  }

  verifyWebhook(rawBody: Buffer, headers: Readonly<Record<string, string | string[] | undefined>>): ProviderNotice | null {
    const signature = header(headers, 'x-webhook-signature');
    if (!signature) return null;
    let genuine = false;
    try {
      genuine = verify('sha256', rawBody, this.settings.publicKeyPem, Buffer.from(signature, 'base64'));
    } catch {
      genuine = false;
    }
    if (!genuine) return null;
    if (this.settings.hmacSecret !== undefined) {
      const hmac = header(headers, 'x-openpix-signature');
      const expected = createHmac('sha1', this.settings.hmacSecret).update(rawBody).digest();
      const given = Buffer.from(hmac ?? '', 'base64');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    }
    let body: { event?: string; charge?: Partial<OpenPixCharge>; pix?: { endToEndId?: string; value?: number }; payment?: { correlationID?: string; value?: number } };
    try {
      body = JSON.parse(rawBody.toString('utf8')) as typeof body;
    } catch {
      return null;
    }
    const events: Record<string, ProviderNotice['event']> = {
      'OPENPIX:CHARGE_COMPLETED': 'charge_paid',
      'OPENPIX:CHARGE_EXPIRED': 'charge_expired',
      'OPENPIX:TRANSACTION_REFUND_RECEIVED': 'charge_refunded',
      'OPENPIX:MOVEMENT_CONFIRMED': 'payout_completed',
      'OPENPIX:MOVEMENT_FAILED': 'payout_failed',
    };
    const event = events[body.event ?? ''] ?? 'other';
    const correlationId = body.charge?.correlationID ?? body.payment?.correlationID ?? null;
    return {
      // OpenPix sends no delivery id: a repeat of the same notice is the same body.
      id: createHash('sha256').update(rawBody).digest('hex'),
      event,
      correlationId,
      cents: body.charge?.value ?? body.pix?.value ?? body.payment?.value ?? null,
      endToEndId: body.pix?.endToEndId ?? body.charge?.paymentMethods?.pix?.endToEndId ?? null,
    };
  }
}
