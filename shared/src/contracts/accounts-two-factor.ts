/**
 * Any subgraph → accounts: checks a user's second factor before a sensitive action another
 * subgraph performs (funding's requestWithdrawal). `POST /internal/two-factor/verify`, internal
 * credential required, body `TwoFactorVerifyRequest`; 200 `TwoFactorVerified`. Accounts guards
 * it with the same `two-factor` attempt counters as its own checks (per account, per account and
 * address, per address): 429 `{ code: 'RATE_LIMITED', message, retryAfterSeconds }` once they
 * are spent. A TOTP code is accepted at most once, a recovery code is spent by the check.
 */
export const TWO_FACTOR_VERIFY_PATH = '/internal/two-factor/verify';

export interface TwoFactorVerifyRequest {
  userId: string;
  /** A 6-digit TOTP code or a recovery code. */
  code: string;
  /** The client's address as the gateway saw it (for the attempt counters). */
  ip?: string;
}

/** `ok`: the code is right (and now used); `wrong`; `not_enabled`: the user has no 2FA on. */
export type TwoFactorVerdict = 'ok' | 'wrong' | 'not_enabled';

export interface TwoFactorVerified {
  verdict: TwoFactorVerdict;
}

export interface TwoFactorVerifyRefused {
  code: string;
  message: string;
  retryAfterSeconds?: number;
}
