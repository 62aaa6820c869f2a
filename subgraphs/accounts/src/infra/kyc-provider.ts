import { randomUUID } from 'node:crypto';
import type { KycProvider, KycProviderResult } from '../domain/kyc/provider';
import type { KycSubmission } from '../domain/kyc/submission';

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
export function kycProvider(name: string): KycProvider {
  if (name === 'local') return new LocalKycProvider();
  throw new Error(`KYC_PROVIDER "${name}" is not supported (known: local)`);
}
