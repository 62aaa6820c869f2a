import { randomUUID } from 'node:crypto';
import type { KycSubmission } from './submission';

/** What a KYC vendor said about a submission. `pending` leaves the decision to an admin. */
export interface KycProviderResult {
  decision: 'approved' | 'rejected' | 'pending';
  /** The vendor's id for the check, kept for support conversations with the vendor. */
  reference: string;
  reason?: string;
}

/** The port every KYC vendor adapter implements (a port: one adapter per vendor, a local one for development and tests). */
export interface KycProvider {
  readonly name: string;
  check(submission: KycSubmission): Promise<KycProviderResult>;
}

/**
 * Local adapter: deterministic rules so the system is useful with no vendor and tests can
 * drive every branch by the document number.
 * - a number starting with `TEST-REJECT` is rejected;
 * - a number starting with `TEST-REVIEW` stays pending for an admin's reviewKyc;
 * - anything else is approved at the requested level.
 */
export class LocalKycProvider implements KycProvider {
  readonly name = 'local';

  async check(submission: KycSubmission): Promise<KycProviderResult> {
    const reference = `local-${randomUUID()}`;
    const number = submission.data.documentNumber;
    if (number.startsWith('TEST-REJECT')) return { decision: 'rejected', reference, reason: 'The document could not be verified' };
    if (number.startsWith('TEST-REVIEW')) return { decision: 'pending', reference };
    return { decision: 'approved', reference };
  }
}

/** The configured provider (KYC_PROVIDER; only `local` exists so far). */
export function kycProvider(name = process.env.KYC_PROVIDER ?? 'local'): KycProvider {
  if (name === 'local') return new LocalKycProvider();
  throw new Error(`KYC_PROVIDER "${name}" is not supported (known: local)`);
}
