import { TWO_FACTOR_VERIFY_PATH, WITHDRAWAL_PROFILE_PATH, config, internalHeaders, subgraphBaseUrl, type TwoFactorVerified, type TwoFactorVerifyRefused, type WithdrawalProfile } from '@tradegraph/shared';

/** What accounts said of a second factor: its verdict, too many attempts, or not known (accounts away). */
export type TwoFactorAnswer =
  | { kind: 'verdict'; verdict: TwoFactorVerified['verdict'] }
  | { kind: 'rate_limited'; retryAfterSeconds: number; message: string }
  | { kind: 'unavailable'; reason: string };

/** Funding's side of accounts' `POST /internal/two-factor/verify` (shared/src/contracts/accounts-two-factor.ts). */
export class AccountsTwoFactor {
  private readonly url = `${subgraphBaseUrl('accounts', config())}${TWO_FACTOR_VERIFY_PATH}`;

  async verify(userId: string, code: string, ip: string | undefined): Promise<TwoFactorAnswer> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { ...internalHeaders(), 'content-type': 'application/json' },
        body: JSON.stringify({ userId, code, ip }),
        signal: AbortSignal.timeout(5_000),
      });
    } catch (error) {
      return { kind: 'unavailable', reason: (error as Error).message };
    }
    if (response.ok) return { kind: 'verdict', verdict: ((await response.json()) as TwoFactorVerified).verdict };
    const body = (await response.json().catch(() => ({}))) as Partial<TwoFactorVerifyRefused>;
    if (response.status === 429) return { kind: 'rate_limited', retryAfterSeconds: body.retryAfterSeconds ?? 60, message: body.message ?? 'Too many two-factor attempts' };
    if (response.status === 400) return { kind: 'verdict', verdict: 'wrong' };
    return { kind: 'unavailable', reason: `accounts answered ${response.status}` };
  }
}

/** Funding's side of accounts' `GET /internal/withdrawal-profile` (shared/src/contracts/accounts-withdrawal-profile.ts); null when accounts does not answer. */
export async function withdrawalProfileOf(userId: string): Promise<WithdrawalProfile | null> {
  try {
    const response = await fetch(`${subgraphBaseUrl('accounts', config())}${WITHDRAWAL_PROFILE_PATH}?userId=${encodeURIComponent(userId)}`, {
      headers: internalHeaders(),
      signal: AbortSignal.timeout(5_000),
    });
    return response.ok ? ((await response.json()) as WithdrawalProfile) : null;
  } catch {
    return null;
  }
}
