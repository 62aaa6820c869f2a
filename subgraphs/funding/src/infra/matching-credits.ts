import {
  BALANCE_ADJUST_BATCH_MAX,
  BALANCE_ADJUST_BATCH_PATH,
  BALANCE_ADJUST_PATH,
  BALANCE_TOTALS_PATH,
  type BalanceTotals,
  config,
  internalHeaders,
  subgraphBaseUrl,
  type BalanceAdjusted,
  type BalanceAdjustment,
  type BalanceAdjustmentBatchResult,
  type BalanceAdjustmentRefused,
} from '@tradegraph/shared';

/** What matching said to a credit: done, refused for good (its code), or not known (send the same again). */
export type CreditAnswer = { kind: 'done'; balance: BalanceAdjusted } | { kind: 'refused'; code: string; message: string } | { kind: 'unavailable'; reason: string };

/** Funding's side of matching's `POST /internal/balances/adjust` (shared/src/contracts/matching-adjustments.ts). */
export class MatchingCredits {
  private readonly url = `${subgraphBaseUrl('matching', config())}${BALANCE_ADJUST_PATH}`;
  private readonly batchUrl = `${subgraphBaseUrl('matching', config())}${BALANCE_ADJUST_BATCH_PATH}`;

  /**
   * Many credits, each with its own key, through matching's batch route (requests of at most
   * BALANCE_ADJUST_BATCH_MAX, sent together): one answer per adjustment, in order. A request
   * that got no answer leaves its adjustments `unavailable` (send them again: the keys make
   * that safe).
   */
  async creditMany(adjustments: readonly BalanceAdjustment[]): Promise<CreditAnswer[]> {
    const chunks: BalanceAdjustment[][] = [];
    for (let i = 0; i < adjustments.length; i += BALANCE_ADJUST_BATCH_MAX) chunks.push(adjustments.slice(i, i + BALANCE_ADJUST_BATCH_MAX));
    const answers = await Promise.all(chunks.map((chunk) => this.creditChunk(chunk)));
    return answers.flat();
  }

  private async creditChunk(adjustments: readonly BalanceAdjustment[]): Promise<CreditAnswer[]> {
    const unavailable = (reason: string): CreditAnswer[] => adjustments.map(() => ({ kind: 'unavailable', reason }));
    let body: BalanceAdjustmentBatchResult;
    try {
      const response = await fetch(this.batchUrl, {
        method: 'POST',
        headers: { ...internalHeaders(), 'content-type': 'application/json' },
        body: JSON.stringify({ adjustments }),
        signal: AbortSignal.timeout(30_000),
      });
      if (!response.ok) {
        await response.arrayBuffer().catch(() => undefined);
        return unavailable(`matching answered ${response.status} to a batch of ${adjustments.length} credits`);
      }
      body = (await response.json()) as BalanceAdjustmentBatchResult;
    } catch (error) {
      return unavailable((error as Error).message);
    }
    if (!Array.isArray(body.results) || body.results.length !== adjustments.length)
      return unavailable('matching answered a batch of another size');
    return body.results.map((outcome): CreditAnswer => {
      if (outcome.status === 'done') return { kind: 'done', balance: outcome.balance };
      if (outcome.status === 'refused') return { kind: 'refused', code: outcome.code, message: outcome.message };
      return { kind: 'unavailable', reason: outcome.message };
    });
  }

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
