/**
 * Funding → accounts, read-only: what a withdrawal's checks need to know about its user.
 * `GET /internal/withdrawal-profile?userId=<uuid>`, internal credential required; 200
 * `WithdrawalProfile`. `twoFactorChangedAt` is the last time 2FA was turned off or turned on again
 * after being off (the first enrolment is not a change); `passwordChangedAt` the last password
 * change (null: never). A withdrawal that is the user's first since either is held for an admin.
 */
export const WITHDRAWAL_PROFILE_PATH = '/internal/withdrawal-profile';

export interface WithdrawalProfile {
  userId: string;
  /** The approved KYC level (0 without one). */
  kycLevel: number;
  twoFactorChangedAt: string | null;
  passwordChangedAt: string | null;
}
