/**
 * Funding → matching: money moved into (or out of) a trading balance, as an `AdjustBalance`
 * command (DESIGN §6). `POST /internal/balances/adjust` on matching, internal credential
 * required, body `BalanceAdjustment`; 200 answers the balance after the command
 * (`BalanceAdjusted`). Idempotent on `idempotencyKey` per user: the same key again changes
 * nothing and answers as the first time, so a caller that does not know whether its request
 * arrived (a crash, a timeout) simply sends it again.
 *
 * Refusals: 400 `BAD_USER_INPUT` (a malformed body or an asset no market trades), 422 with the
 * engine's reject code (`INVALID_AMOUNT`, `INSUFFICIENT_FUNDS`, `BALANCE_LIMIT_EXCEEDED`), 503
 * `SERVICE_UNAVAILABLE` while the engine cannot journal: `{ code, message }`.
 */
export const BALANCE_ADJUST_PATH = '/internal/balances/adjust';

export interface BalanceAdjustment {
  userId: string;
  /** The engine's asset symbol, e.g. USDC. */
  asset: string;
  /** A decimal string; negative debits. At most 8 decimal places (the engine's precision). */
  amount: string;
  /** Derived from the money's source: `deposit:<chain>:<tx hash>:<log index>`, a withdrawal id, … (at most 128 characters). */
  idempotencyKey: string;
}

export interface BalanceAdjusted {
  userId: string;
  asset: string;
  available: string;
  locked: string;
}

export interface BalanceAdjustmentRefused {
  code: string;
  message: string;
}

/**
 * Funding → matching, read-only: `GET /internal/balances/totals` (internal credential) answers
 * every asset's totals over all users — what funding's reconciliation compares with its ledger.
 * `otherAdjustments` is the net of the AdjustBalance commands whose key is not funding's (demo
 * credits): money that never crossed the exchange's edge, so the ledger never saw it.
 */
export const BALANCE_TOTALS_PATH = '/internal/balances/totals';

export interface BalanceTotals {
  assets: { asset: string; available: string; locked: string; fees: string; otherAdjustments: string }[];
}

/** The idempotency keys funding credits and debits under: deposits, withdrawals (and their releases), PIX. */
export function isFundingAdjustmentKey(key: string): boolean {
  return key.startsWith('deposit:') || key.startsWith('withdrawal:') || key.startsWith('pix:');
}

/**
 * The same command for many balances in one request: `POST /internal/balances/adjust/batch`, body
 * `BalanceAdjustmentBatch` (at most BALANCE_ADJUST_BATCH_MAX entries). Each entry is its own
 * `AdjustBalance` with its own idempotency key and the single route's exactly-once semantics:
 * entries are submitted together and journaled in the engine's group commit, and the answer (200,
 * `BalanceAdjustmentBatchResult`) has one outcome per entry, in the request's order — `done` with
 * the balance after it, `refused` with the code the single route would answer (400/422 ones), or
 * `unavailable` (the single route's 503: send that entry again). A malformed body as a whole is a
 * 400 `BAD_USER_INPUT` and nothing is applied; a malformed entry is `refused` on its own.
 */
export const BALANCE_ADJUST_BATCH_PATH = '/internal/balances/adjust/batch';
export const BALANCE_ADJUST_BATCH_MAX = 1000;

export interface BalanceAdjustmentBatch {
  adjustments: BalanceAdjustment[];
}

export type BalanceAdjustmentOutcome =
  | { status: 'done'; balance: BalanceAdjusted }
  | { status: 'refused'; code: string; message: string }
  | { status: 'unavailable'; message: string };

export interface BalanceAdjustmentBatchResult {
  results: BalanceAdjustmentOutcome[];
}
