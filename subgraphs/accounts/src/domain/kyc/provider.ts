import type { KycSubmission } from './submission';

/** What a KYC vendor said about a submission. `pending` leaves the decision to an admin. */
export interface KycProviderResult {
  decision: 'approved' | 'rejected' | 'pending';
  /** The vendor's id for the check, kept for support conversations with the vendor. */
  reference: string;
  reason?: string;
}

/** The port every KYC vendor adapter implements (a port: one adapter per vendor in infra/, a local one for development and tests). */
export interface KycProvider {
  readonly name: string;
  check(submission: KycSubmission): Promise<KycProviderResult>;
}
