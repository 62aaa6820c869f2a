import { DomainError, invalidInput } from '@tradegraph/shared/domain';

/**
 * PIX, Brazil's instant payment rail (issue #22): money in as a *charge* the payer settles by
 * scanning its BR Code (the "copia e cola" EMV payload), money out as a *payout* to a PIX key.
 * Amounts cross the rail in centavos (whole numbers); the exchange speaks BRL decimals.
 *
 * A charge's life:   pending → paid → credited
 *                    pending → expired          (never credited)
 *                    paid | credited → refunded  (given back to the payer)
 * A payout's life:   requested → sent → completed | failed (failed gives the debit back).
 */

export type PixChargeStatus = 'pending' | 'paid' | 'credited' | 'expired' | 'refunded';
export type PixPayoutStatus = 'requested' | 'sent' | 'completed' | 'failed';

const CHARGE_NEXT: Record<PixChargeStatus, readonly PixChargeStatus[]> = {
  pending: ['paid', 'expired'],
  paid: ['credited', 'refunded'],
  credited: ['refunded'],
  expired: [],
  refunded: [],
};

export function canMoveCharge(from: PixChargeStatus, to: PixChargeStatus): boolean {
  return CHARGE_NEXT[from].includes(to);
}

/** The status after a move, or CONFLICT naming both ends. */
export function moveCharge(from: PixChargeStatus, to: PixChargeStatus): PixChargeStatus {
  if (!canMoveCharge(from, to)) throw new DomainError('CONFLICT', `A ${from} PIX charge cannot become ${to}`, { from, to });
  return to;
}

/** The most one PIX charge or payout may move (R$ 1,000,000.00; providers cap far lower per transaction). */
export const PIX_MAX_CENTS = 100_000_000;

/** An amount in BRL ("150", "12.5", "0.01") as centavos: positive, at most 2 decimal places, at most PIX_MAX_CENTS. */
export function brlToCents(amount: string, field = 'amountBrl'): number {
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!match) throw invalidInput(`${field} must be a BRL amount with at most 2 decimal places, such as 150.25`, field);
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  if (cents <= 0) throw invalidInput(`${field} must be more than 0`, field);
  if (cents > PIX_MAX_CENTS) throw invalidInput(`${field} must be at most ${PIX_MAX_CENTS / 100}`, field);
  return cents;
}

/** Centavos as a BRL decimal without trailing zeros ("150", "12.5", "0.01"). */
export function centsToBrl(cents: number): string {
  const whole = Math.floor(cents / 100);
  const fraction = String(cents % 100).padStart(2, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

export type PixKeyType = 'CPF' | 'CNPJ' | 'EMAIL' | 'PHONE' | 'RANDOM';

function checkDigit(digits: readonly number[], weights: readonly number[]): number {
  const sum = digits.reduce((total, digit, i) => total + digit * weights[i], 0);
  const rest = sum % 11;
  return rest < 2 ? 0 : 11 - rest;
}

function validCpf(digits: string): boolean {
  if (/^(\d)\1{10}$/.test(digits)) return false;
  const d = [...digits].map(Number);
  return checkDigit(d.slice(0, 9), [10, 9, 8, 7, 6, 5, 4, 3, 2]) === d[9] && checkDigit(d.slice(0, 10), [11, 10, 9, 8, 7, 6, 5, 4, 3, 2]) === d[10];
}

function validCnpj(digits: string): boolean {
  if (/^(\d)\1{13}$/.test(digits)) return false;
  const d = [...digits].map(Number);
  const first = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
  return checkDigit(d.slice(0, 12), first) === d[12] && checkDigit(d.slice(0, 13), [6, ...first]) === d[13];
}

/**
 * A PIX key as the rail knows it, normalised: CPF (11 digits, check digits valid) or CNPJ (14),
 * punctuation dropped; an e-mail (lower case); a phone in E.164 (+55 and 10–11 digits); or a
 * random key (EVP, a UUID). Anything else is PIX_INVALID_KEY on `pixKey`.
 */
export function parsePixKey(raw: string): { type: PixKeyType; key: string } {
  const key = raw.trim();
  const invalid = () => new DomainError('PIX_INVALID_KEY', 'pixKey must be a CPF, CNPJ, e-mail, +55 phone or random (EVP) PIX key', { field: 'pixKey' });
  if (key.length === 0 || key.length > 77) throw invalid();
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(key)) return { type: 'RANDOM', key: key.toLowerCase() };
  if (/^\+55\d{10,11}$/.test(key)) return { type: 'PHONE', key };
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(key)) return { type: 'EMAIL', key: key.toLowerCase() };
  if (/^[\d.\-/]+$/.test(key)) {
    const digits = key.replace(/\D/g, '');
    if (digits.length === 11 && validCpf(digits)) return { type: 'CPF', key: digits };
    if (digits.length === 14 && validCnpj(digits)) return { type: 'CNPJ', key: digits };
  }
  throw invalid();
}

/** The idempotency key of a paid charge's credit in matching: one credit per charge, whoever reports it (webhook, poll) and however often. */
export function pixCreditKey(chargeId: string): string {
  return `pix:charge:${chargeId}`;
}

/** The idempotency key of a payout's debit in matching, and of its release when it fails. */
export function pixPayoutDebitKey(payoutId: string): string {
  return `pix:payout:${payoutId}`;
}
export function pixPayoutReleaseKey(payoutId: string): string {
  return `pix:payout:${payoutId}:release`;
}

/** A charge as the provider tells it. */
export interface ProviderCharge {
  /** The provider's id of the charge (OpenPix: its correlationID is ours; this is its own identifier). */
  providerId: string;
  /** Our id, sent as the charge's correlation id. */
  correlationId: string;
  cents: number;
  status: 'pending' | 'paid' | 'expired' | 'refunded';
  /** The EMV "copia e cola" payload the payer's bank app reads (the QR code's content). */
  brCode: string;
  expiresAt: Date;
  /** The PIX end-to-end id of the payment, once paid. */
  endToEndId: string | null;
}

/** A provider's notice of a change (a webhook), verified and parsed. */
export interface ProviderNotice {
  /** The notice's own id when the provider sends one, else a digest of the body: a repeat is recognised by it. */
  id: string;
  event: 'charge_paid' | 'charge_expired' | 'charge_refunded' | 'payout_completed' | 'payout_failed' | 'other';
  correlationId: string | null;
  cents: number | null;
  endToEndId: string | null;
}

export interface ProviderPayout {
  correlationId: string;
  status: 'sent' | 'completed' | 'failed';
  failure: string | null;
}

/**
 * The `pix` rail's provider port. Every call is idempotent on our correlation id: a call repeated
 * after a crash or a timeout answers the same charge or payout, never a second one.
 */
export interface PixProvider {
  readonly name: string;
  createCharge(request: { correlationId: string; cents: number; expiresInSeconds: number; comment: string }): Promise<ProviderCharge>;
  charge(correlationId: string): Promise<ProviderCharge | null>;
  refund(request: { correlationId: string; refundCorrelationId: string; cents: number; comment: string }): Promise<void>;
  payout(request: { correlationId: string; cents: number; pixKey: string; pixKeyType: PixKeyType; comment: string }): Promise<ProviderPayout>;
  /**
   * A webhook as it arrived (the raw body and its headers): the parsed notice when its signature
   * is the provider's, null when it is not (forged, tampered, unsigned).
   */
  verifyWebhook(rawBody: Buffer, headers: Readonly<Record<string, string | string[] | undefined>>): ProviderNotice | null;
}
