import { depositCreditEntry, type LedgerEntry } from '../domain/ledger';
import type { DepositRecord } from '../infra';

/**
 * The ledger entries a deposit's change records (docs/architecture.md, "Ledger and
 * reconciliation"): a deposit that became `credited` — as it came, or swapped into what its
 * swap delivered. Written by DepositChanges in the transaction that moves the deposit.
 */
export function depositEntries(row: DepositRecord): LedgerEntry[] {
  if (row.status !== 'credited' || row.creditedAmount === null) return [];
  const swapped = row.swap && row.swap.status === 'done' && row.swap.toAmount !== null;
  return [
    depositCreditEntry({
      id: row.id,
      userId: row.userId,
      chain: row.network,
      asset: row.asset,
      amount: row.amount,
      creditedAmount: row.creditedAmount,
      creditedAsset: swapped ? row.swap!.toAsset : row.asset,
      swapFee: swapped ? row.swap!.fee : null,
    }),
  ];
}
