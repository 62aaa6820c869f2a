import { badInput } from '../errors';

/** 1: basic identity (an identity document); 2: also proof of address. */
export const KYC_LEVELS = [1, 2] as const;
export type KycLevel = (typeof KYC_LEVELS)[number];
export const IDENTITY_DOCUMENT_TYPES = ['passport', 'id_card', 'driving_licence', 'residence_permit'] as const;
export type IdentityDocumentType = (typeof IDENTITY_DOCUMENT_TYPES)[number];
export const MAX_DOCUMENT_BYTES = 512 * 1024;
export const MIN_AGE_YEARS = 18;

/** The personal data of a submission: what is sealed at rest and shown to the owner and admins. */
export interface KycPersonalData {
  fullName: string;
  dateOfBirth: string;
  country: string;
  address: string | null;
  documentType: IdentityDocumentType;
  documentNumber: string;
  /** base64 of the document scan */
  documentImage: string;
  documentImageType: 'image/png' | 'image/jpeg' | 'application/pdf';
}

export interface KycSubmission {
  userId: string;
  level: KycLevel;
  data: KycPersonalData;
}

export interface RawKycSubmission {
  level: number;
  fullName: string;
  dateOfBirth: string;
  country: string;
  address?: string | null;
  documentType: string;
  documentNumber: string;
  documentImage: string;
}

function sniffType(bytes: Buffer): KycPersonalData['documentImageType'] | null {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return null;
}

function isAdult(dateOfBirth: string, now: Date): boolean {
  const [y, m, d] = dateOfBirth.split('-').map(Number);
  const adultOn = new Date(Date.UTC(y + MIN_AGE_YEARS, m - 1, d));
  return adultOn.getTime() <= now.getTime();
}

/** Checks and normalizes a submission; throws BAD_USER_INPUT naming the first bad field. */
export function validateSubmission(userId: string, raw: RawKycSubmission, now = new Date()): KycSubmission {
  if (!KYC_LEVELS.includes(raw.level as KycLevel)) throw badInput('level must be 1 (identity) or 2 (identity and address)', 'level');
  const fullName = raw.fullName.trim().replace(/\s+/g, ' ');
  if (fullName.length < 2 || fullName.length > 200) throw badInput('fullName must be 2 to 200 characters', 'fullName');
  const dateOfBirth = raw.dateOfBirth.trim();
  const parsed = new Date(`${dateOfBirth}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dateOfBirth) || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== dateOfBirth) {
    throw badInput('dateOfBirth must be a date like 1990-12-31', 'dateOfBirth');
  }
  if (parsed.getUTCFullYear() < 1900 || !isAdult(dateOfBirth, now)) {
    throw badInput(`dateOfBirth must be of a person at least ${MIN_AGE_YEARS} years old`, 'dateOfBirth');
  }
  const country = raw.country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw badInput('country must be an ISO 3166-1 alpha-2 code, e.g. BR', 'country');
  const address = raw.address?.trim() || null;
  if (raw.level === 2 && !address) throw badInput('level 2 needs the address (proof of address)', 'address');
  if (address && address.length > 500) throw badInput('address must be at most 500 characters', 'address');
  if (!IDENTITY_DOCUMENT_TYPES.includes(raw.documentType as IdentityDocumentType)) {
    throw badInput(`documentType must be one of ${IDENTITY_DOCUMENT_TYPES.join(', ')}`, 'documentType');
  }
  const documentNumber = raw.documentNumber.trim().toUpperCase();
  if (!/^[A-Z0-9-]{4,40}$/.test(documentNumber))
    throw badInput('documentNumber must be 4 to 40 letters, digits or dashes', 'documentNumber');
  const base64 = raw.documentImage.replace(/^data:[^;,]+;base64,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw badInput('documentImage must be base64', 'documentImage');
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0 || bytes.length > MAX_DOCUMENT_BYTES) {
    throw badInput(`documentImage must be 1 byte to ${MAX_DOCUMENT_BYTES / 1024} KiB`, 'documentImage');
  }
  const documentImageType = sniffType(bytes);
  if (!documentImageType) throw badInput('documentImage must be a PNG, JPEG or PDF', 'documentImage');
  return {
    userId,
    level: raw.level as KycLevel,
    data: {
      fullName,
      dateOfBirth,
      country,
      address,
      documentType: raw.documentType as IdentityDocumentType,
      documentNumber,
      documentImage: bytes.toString('base64'),
      documentImageType,
    },
  };
}
