import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PixKeyType, PixProvider, ProviderCharge, ProviderNotice, ProviderPayout } from '../domain/pix';

/**
 * The embedded default of the `pix` rail: a provider inside the process, for development and
 * tests. A charge gets a BR Code-shaped payload (EMV fields with a CRC16, not payable by a real
 * bank), and is paid `settleAfterMs` after it was made (0: never by itself) or when `pay()` is
 * called (the dev-only `devnetPayPixCharge`); payouts complete at once. Its webhooks are signed
 * with a key made at start (HMAC-SHA256 in `x-local-pix-signature`), so a forged one is refused
 * like a forged OpenPix one. State lives in memory: a restart forgets its charges (dev only).
 */
export class LocalPixProvider implements PixProvider {
  readonly name = 'local';
  private readonly charges = new Map<string, ProviderCharge>();
  private readonly payouts = new Map<string, ProviderPayout>();
  private readonly secret = randomBytes(32);
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly settings: { settleAfterMs: number },
    /** Where its notices go (funding's webhook intake), signed as a provider would. */
    private readonly deliver: (rawBody: Buffer, headers: Record<string, string>) => Promise<void> = async () => {},
  ) {}

  async createCharge(request: { correlationId: string; cents: number; expiresInSeconds: number; comment: string }): Promise<ProviderCharge> {
    const existing = this.charges.get(request.correlationId);
    if (existing) return existing;
    const charge: ProviderCharge = {
      providerId: `local-${request.correlationId}`,
      correlationId: request.correlationId,
      cents: request.cents,
      status: 'pending',
      brCode: brCode(request.correlationId, request.cents),
      expiresAt: new Date(Date.now() + request.expiresInSeconds * 1000),
      endToEndId: null,
    };
    this.charges.set(request.correlationId, charge);
    if (this.settings.settleAfterMs > 0) this.later(this.settings.settleAfterMs, () => this.pay(request.correlationId));
    return charge;
  }

  async charge(correlationId: string): Promise<ProviderCharge | null> {
    const charge = this.charges.get(correlationId);
    if (charge && charge.status === 'pending' && charge.expiresAt.getTime() <= Date.now()) charge.status = 'expired';
    return charge ?? null;
  }

  /** Pays a pending charge (dev only) and sends the notice; false when there is no such pending charge. */
  async pay(correlationId: string): Promise<boolean> {
    const charge = await this.charge(correlationId);
    if (!charge || charge.status !== 'pending') return false;
    charge.status = 'paid';
    charge.endToEndId = `E${createHash('sha256').update(correlationId).digest('hex').slice(0, 31).toUpperCase()}`;
    await this.notify({ event: 'charge_paid', correlationId, cents: charge.cents, endToEndId: charge.endToEndId });
    return true;
  }

  async refund(request: { correlationId: string; refundCorrelationId: string; cents: number; comment: string }): Promise<void> {
    const charge = this.charges.get(request.correlationId);
    if (!charge || charge.status !== 'paid') throw new Error(`local PIX: no paid charge ${request.correlationId} to refund`);
    charge.status = 'refunded';
  }

  async payout(request: { correlationId: string; cents: number; pixKey: string; pixKeyType: PixKeyType; comment: string }): Promise<ProviderPayout> {
    const existing = this.payouts.get(request.correlationId);
    if (existing) return existing;
    const payout: ProviderPayout = { correlationId: request.correlationId, status: 'completed', failure: null };
    this.payouts.set(request.correlationId, payout);
    return payout;
  }

  /** Signs a notice as this provider does (tests make forged ones with another key). */
  sign(rawBody: Buffer): string {
    return createHmac('sha256', this.secret).update(rawBody).digest('base64');
  }

  verifyWebhook(rawBody: Buffer, headers: Readonly<Record<string, string | string[] | undefined>>): ProviderNotice | null {
    const given = headers['x-local-pix-signature'];
    const signature = Buffer.from((Array.isArray(given) ? given[0] : given) ?? '', 'base64');
    const expected = createHmac('sha256', this.secret).update(rawBody).digest();
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return null;
    try {
      const notice = JSON.parse(rawBody.toString('utf8')) as ProviderNotice;
      return { ...notice, id: createHash('sha256').update(rawBody).digest('hex') };
    } catch {
      return null;
    }
  }

  private async notify(notice: Omit<ProviderNotice, 'id'>): Promise<void> {
    const raw = Buffer.from(JSON.stringify(notice));
    await this.deliver(raw, { 'content-type': 'application/json', 'x-local-pix-signature': this.sign(raw) });
  }

  private later(ms: number, work: () => Promise<unknown>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void work().catch(() => {});
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/** CRC16/CCITT-FALSE, as the EMV QR payload's field 63 carries it. */
export function crc16(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

const field = (id: string, value: string) => `${id}${String(value.length).padStart(2, '0')}${value}`;

/** A BR Code-shaped EMV payload for a local charge (merchant account "br.gov.bcb.pix" with a local key). */
export function brCode(correlationId: string, cents: number): string {
  const account = field('00', 'br.gov.bcb.pix') + field('01', `local-${correlationId.slice(0, 36)}`);
  const amount = (cents / 100).toFixed(2);
  const body =
    field('00', '01') +
    field('26', account) +
    field('52', '0000') +
    field('53', '986') +
    field('54', amount) +
    field('58', 'BR') +
    field('59', 'TRADEGRAPH DEV') +
    field('60', 'SAO PAULO') +
    field('62', field('05', correlationId.replace(/-/g, '').slice(0, 25))) +
    '6304';
  return body + crc16(body);
}
