import { DEPOSIT_STATUSES, DomainError, invalidInput, toUnits, type DepositStatus } from '@tradegraph/shared/domain';

/**
 * A deposit's life (shared/src/contracts/funding-deposits.ts has the meaning of each status):
 *
 *   detected → confirming (n of N) → confirmed → [swapping →] credited
 *
 * and, before it is credited, `reversed` when its block leaves the chain. A swap that fails
 * (or a credit matching refuses) leaves it `failed`, from which an admin may retry (back to
 * `confirmed`). Dust is recorded as
 * `ignored_dust` when detected; a confirmed deposit the swap provider has no route for becomes
 * `unsupported_token`; both stay so (visible, never credited). A
 * reversed deposit whose transaction is mined again is `detected` again: it keeps its identity
 * (chain, transaction, log index) and so its credit key, and is never credited twice.
 */
/** Every status, in the order a deposit can pass through them (the contract's list). */
export { DEPOSIT_STATUSES };

const NEXT: Record<DepositStatus, readonly DepositStatus[]> = {
  detected: ['confirming', 'confirmed', 'reversed'],
  confirming: ['confirmed', 'reversed'],
  confirmed: ['swapping', 'credited', 'failed', 'reversed', 'unsupported_token'],
  swapping: ['credited', 'failed', 'reversed', 'unsupported_token'],
  failed: ['confirmed'],
  reversed: ['detected'],
  credited: [],
  ignored_dust: [],
  unsupported_token: [],
};

/** Statuses the watcher still follows: confirmations grow, the block may leave the chain. */
export const OPEN_STATUSES: readonly DepositStatus[] = ['detected', 'confirming', 'confirmed', 'swapping'];

export function isFinal(status: DepositStatus): boolean {
  return NEXT[status].length === 0;
}

export function canMove(from: DepositStatus, to: DepositStatus): boolean {
  return NEXT[from].includes(to);
}

/** The status after a move, or a CONFLICT naming both ends when the deposit may not make it. */
export function moveDeposit(from: DepositStatus, to: DepositStatus): DepositStatus {
  if (!canMove(from, to)) throw new DomainError('CONFLICT', `A ${from} deposit cannot become ${to}`, { from, to });
  return to;
}

/** Confirmations of a transaction in block `block` when the chain's head is `head` (its own block counts). */
export function confirmationsAt(block: number, head: number): number {
  return head >= block ? head - block + 1 : 0;
}

/**
 * Where a detected or confirming deposit stands with `confirmations` of `required`: still
 * `detected` with none, `confirming` below the threshold, `confirmed` at it. Other statuses
 * are not moved by confirmations.
 */
export function statusWithConfirmations(status: DepositStatus, confirmations: number, required: number): DepositStatus {
  if (!Number.isInteger(confirmations) || confirmations < 0) throw invalidInput('confirmations must be a whole number, 0 or more', 'confirmations');
  if (status !== 'detected' && status !== 'confirming') return status;
  if (confirmations >= required) return 'confirmed';
  return confirmations > 0 ? 'confirming' : status;
}

/** What a transfer found on chain becomes when first recorded. */
export function initialStatus(amountUnits: bigint, minimumUnits: bigint): DepositStatus {
  return amountUnits < minimumUnits ? 'ignored_dust' : 'detected';
}

/**
 * The idempotency key of a deposit's credit in matching, from its identity on chain: the same
 * transfer always makes the same key, whoever finds it (the watcher, a report) and however
 * often (restarts, rescans after a reorg).
 */
export function creditKey(chain: string, txHash: string, logIndex: number): string {
  return `deposit:${chain}:${txHash.toLowerCase()}:${logIndex}`;
}

/** Whole digits a numeric(38,18) amount may have. */
const MAX_WHOLE_DIGITS = 20;

/** A deposit amount: a positive decimal with at most 18 decimal places and 20 whole digits. */
export function validateDepositAmount(amount: string): string {
  const units = toUnits(amount, 'amount');
  if (units <= 0n) throw invalidInput('amount must be more than 0', 'amount');
  if (units >= 10n ** BigInt(MAX_WHOLE_DIGITS + 18)) throw invalidInput(`amount must have at most ${MAX_WHOLE_DIGITS} whole digits`, 'amount');
  return amount.trim();
}

/** `units` of a token with `decimals` as a decimal string without trailing zeros ("1.5", "0.000001", "3"). */
export function unitsToDecimal(units: bigint, decimals: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = decimals > 0 ? digits.slice(digits.length - decimals).replace(/0+$/, '') : '';
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** A decimal string as units of a token with `decimals`; more decimal places than that is refused on `field`. */
export function decimalToUnits(amount: string, decimals: number, field = 'amount'): bigint {
  const match = /^(\d{1,30})(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) throw invalidInput(`${field} must be a decimal such as 1.5`, field);
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) throw invalidInput(`${field} has more than ${decimals} decimal places`, field);
  return BigInt(match[1] + fraction.padEnd(decimals, '0'));
}
