import { DomainError, invalidInput, toUnits, type DepositStatus } from '@tradegraph/shared/domain';

/**
 * A deposit's life: it is seen on its network (`pending`), gathers confirmations until the
 * network's threshold (`confirmed`), and is then credited to the user's balance (`credited`);
 * until it is credited it may instead be dropped (`failed`: reorganised away, rejected by the
 * rail). `credited` and `failed` are final. The database holds the same statuses
 * (infra/migrations) and amounts as numeric(38,18), positive.
 */
export const DEPOSIT_STATUSES: readonly DepositStatus[] = ['pending', 'confirmed', 'credited', 'failed'];

const NEXT: Record<DepositStatus, readonly DepositStatus[]> = {
  pending: ['confirmed', 'failed'],
  confirmed: ['credited', 'failed'],
  credited: [],
  failed: [],
};

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

/**
 * Where a deposit stands after its network reports `confirmations` (never fewer than before):
 * a pending one is confirmed once it reaches `required`; any other status stays.
 */
export function afterConfirmations(
  deposit: { status: DepositStatus; confirmations: number },
  confirmations: number,
  required: number,
): { status: DepositStatus; confirmations: number } {
  if (!Number.isInteger(confirmations) || confirmations < 0) throw invalidInput('confirmations must be a whole number, 0 or more', 'confirmations');
  if (confirmations < deposit.confirmations) {
    throw new DomainError('CONFLICT', `A deposit's confirmations only grow (${deposit.confirmations} → ${confirmations})`, {
      confirmations: deposit.confirmations,
    });
  }
  const status = deposit.status === 'pending' && confirmations >= required ? 'confirmed' : deposit.status;
  return { status, confirmations };
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
