import {
  BALANCE_ADJUST_PATH,
  BALANCE_TOTALS_PATH,
  type BalanceTotals,
  config,
  internalHeaders,
  subgraphBaseUrl,
  type BalanceAdjusted,
  type BalanceAdjustment,
  type BalanceAdjustmentRefused,
} from '@tradegraph/shared';

/** What matching said to a credit: done, refused for good (its code), or not known (send the same again). */
export type CreditAnswer = { kind: 'done'; balance: BalanceAdjusted } | { kind: 'refused'; code: string; message: string } | { kind: 'unavailable'; reason: string };

/** Funding's side of matching's `POST /internal/balances/adjust` (shared/src/contracts/matching-adjustments.ts). */
export class MatchingCredits {
  private readonly url = `${subgraphBaseUrl('matching', config())}${BALANCE_ADJUST_PATH}`;

  async credit(adjustment: BalanceAdjustment): Promise<CreditAnswer> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { ...internalHeaders(), 'content-type': 'application/json' },
        body: JSON.stringify(adjustment),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      return { kind: 'unavailable', reason: (error as Error).message };
    }
    if (response.ok) return { kind: 'done', balance: (await response.json()) as BalanceAdjusted };
    const body = (await response.json().catch(() => ({}))) as Partial<BalanceAdjustmentRefused>;
    if (response.status === 400 || response.status === 422) {
      return { kind: 'refused', code: body.code ?? 'BAD_USER_INPUT', message: body.message ?? `matching answered ${response.status}` };
    }
    return { kind: 'unavailable', reason: `matching answered ${response.status}${body.code ? ` ${body.code}` : ''}` };
  }
}

/** Funding's side of matching's `GET /internal/balances/totals` (read-only; the reconciliation). */
export async function matchingTotals(): Promise<BalanceTotals> {
  const response = await fetch(`${subgraphBaseUrl('matching', config())}${BALANCE_TOTALS_PATH}`, { headers: internalHeaders(), signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`matching answered ${response.status} for its balance totals`);
  return (await response.json()) as BalanceTotals;
}
