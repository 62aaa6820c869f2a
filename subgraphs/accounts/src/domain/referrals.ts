import { randomBytes } from 'node:crypto';
import { badInput } from './errors';

/** Crockford's base32 without I, L, O, U: codes people read aloud and type without mix-ups. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const REFERRAL_CODE_LENGTH = 8;

export function newReferralCode(): string {
  const bytes = randomBytes(REFERRAL_CODE_LENGTH);
  let code = '';
  for (const byte of bytes) code += ALPHABET[byte & 31];
  return code;
}

/** Codes are matched case-insensitively and without surrounding spaces or dashes. */
export function normalizeReferralCode(raw: string): string {
  const code = raw.trim().toUpperCase().replace(/-/g, '');
  if (!/^[0-9A-Z]{4,16}$/.test(code)) throw badInput('referralCode is not a referral code', 'referralCode');
  return code;
}

export const DEFAULT_REFERRAL_REVENUE_SHARE = '0.10';

/**
 * The share of referred users' fees the referrer earns, from its setting (REFERRAL_REVENUE_SHARE,
 * a decimal fraction between 0 and 1; 10% unless configured). Payouts come with funding later.
 */
export function referralRevenueShare(value: string | undefined): string {
  const share = value && value.trim() !== '' ? value.trim() : DEFAULT_REFERRAL_REVENUE_SHARE;
  if (!/^(0(\.\d{1,8})?|1(\.0{1,8})?)$/.test(share)) {
    throw new Error(`REFERRAL_REVENUE_SHARE must be a decimal between 0 and 1, e.g. "0.10"; got ${JSON.stringify(value)}`);
  }
  return share;
}
