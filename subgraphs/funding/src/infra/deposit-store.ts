import { randomUUID } from 'node:crypto';
import type { DepositStatus, DepositSwap } from '@tradegraph/shared/domain';
import type { EntityManager } from '@tradegraph/shared';
import type { DepositRecord } from './entities';

/**
 * Deposits in Postgres (funding.deposits). Every change of status is a conditional update —
 * `where status = <the status it was read with>` — so two writers (a watcher and a report, or a
 * process that restarted while its predecessor's statement was still running) can never both
 * make the same move: the second finds nothing to update.
 */
export const DEPOSIT_COLUMNS = `id, user_id as "userId", asset, network, amount::text as amount, status, confirmations,
  required_confirmations as "requiredConfirmations", tx_hash as "txHash", log_index as "logIndex",
  token_address as "tokenAddress", from_address as "fromAddress", to_address as "toAddress",
  block_number::text as "blockNumber", block_hash as "blockHash", credited_amount::text as "creditedAmount",
  swap, failure, to_json(created_at) #>> '{}' as "createdAt", to_json(updated_at) #>> '{}' as "updatedAt"`;

export type DepositRow = Omit<DepositRecord, 'createdAt' | 'updatedAt'> & { createdAt: string | Date; updatedAt: string | Date };

export function toRecord(row: DepositRow): DepositRecord {
  const record = row as unknown as DepositRecord;
  record.createdAt = new Date(row.createdAt);
  record.updatedAt = new Date(row.updatedAt);
  record.amount = trimDecimal(row.amount);
  record.creditedAmount = row.creditedAmount === null ? null : trimDecimal(row.creditedAmount);
  return record;
}

/** numeric(38,18) as text carries 18 decimal places; the API shows none that are zero. */
export function trimDecimal(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}

export interface NewDeposit {
  userId: string;
  chain: string;
  asset: string;
  amount: string;
  status: DepositStatus;
  requiredConfirmations: number;
  txHash: string;
  logIndex: number;
  tokenAddress: string | null;
  fromAddress: string;
  toAddress: string;
  blockNumber: number;
  blockHash: string;
}

/**
 * Records transfers found on chain. New ones are inserted; one already known is left as it is —
 * unless it was `reversed` and its transaction is in a block again, when it is `detected` again
 * in its new block. Returns the rows inserted or revived (the ones whose status changed).
 */
export async function recordTransfers(em: EntityManager, deposits: readonly NewDeposit[]): Promise<DepositRecord[]> {
  if (deposits.length === 0) return [];
  const values = deposits.map(() => '(?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  const params = deposits.flatMap((d) => [
    randomUUID(),
    d.userId,
    d.asset,
    d.chain,
    d.amount,
    d.status,
    d.requiredConfirmations,
    d.txHash,
    d.logIndex,
    d.tokenAddress,
    d.fromAddress,
    d.toAddress,
    d.blockNumber,
    d.blockHash,
  ]);
  const rows = await em.execute<DepositRow[]>(
    `insert into funding.deposits as d (id, user_id, asset, network, amount, status, confirmations, required_confirmations,
       tx_hash, log_index, token_address, from_address, to_address, block_number, block_hash)
     values ${values}
     on conflict (network, tx_hash, log_index) do update
       set status = 'detected', block_number = excluded.block_number, block_hash = excluded.block_hash, confirmations = 0, updated_at = now()
       where d.status = 'reversed' and d.block_hash is distinct from excluded.block_hash
     returning ${DEPOSIT_COLUMNS}`,
    params,
  );
  return rows.map(toRecord);
}

/** Deposits of `chain` the watcher still follows. */
export async function openDeposits(em: EntityManager, chain: string): Promise<DepositRecord[]> {
  const rows = await em.execute<DepositRow[]>(
    `select ${DEPOSIT_COLUMNS} from funding.deposits
      where network = ? and status in ('detected', 'confirming', 'confirmed', 'swapping')
      order by block_number, log_index`,
    [chain],
  );
  return rows.map(toRecord);
}

export interface DepositChange {
  status: DepositStatus;
  confirmations?: number;
  creditedAmount?: string;
  swap?: DepositSwap | null;
  failure?: string | null;
}

/** Moves a deposit that is still `from`; null when it is not (someone else moved it first). */
export async function changeDeposit(em: EntityManager, id: string, from: DepositStatus, change: DepositChange): Promise<DepositRecord | null> {
  const sets = ['status = ?', 'updated_at = now()'];
  const params: unknown[] = [change.status];
  if (change.confirmations !== undefined) {
    sets.push('confirmations = greatest(confirmations, ?)');
    params.push(change.confirmations);
  }
  if (change.creditedAmount !== undefined) {
    sets.push('credited_amount = ?');
    params.push(change.creditedAmount);
  }
  if (change.swap !== undefined) {
    sets.push('swap = ?::jsonb');
    params.push(change.swap === null ? null : JSON.stringify(change.swap));
  }
  if (change.failure !== undefined) {
    sets.push('failure = ?');
    params.push(change.failure);
  }
  const rows = await em.execute<DepositRow[]>(`update funding.deposits set ${sets.join(', ')} where id = ? and status = ? returning ${DEPOSIT_COLUMNS}`, [
    ...params,
    id,
    from,
  ]);
  return rows.length > 0 ? toRecord(rows[0]) : null;
}

export interface DepositMove {
  id: string;
  /** The status the deposit was read with: the row moves only if it still has it. */
  from: DepositStatus;
  /** Its status after (the same for confirmations alone). */
  to: DepositStatus;
  confirmations?: number;
  creditedAmount?: string;
  failure?: string | null;
}

/**
 * Many moves in one statement, each as conditional as `changeDeposit` (`where id = ? and status
 * = <from>`); a move within the same status (confirmations alone) changes the row only when the
 * count grows. Returns the rows changed; a deposit someone else moved first is not among them.
 */
export async function changeDeposits(em: EntityManager, moves: readonly DepositMove[]): Promise<DepositRecord[]> {
  if (moves.length === 0) return [];
  for (const move of moves) if (!/^[0-9a-f-]{36}$/i.test(move.id)) throw new Error(`not a deposit id: ${move.id}`);
  const values = moves.map((m) => ({
    move_id: m.id,
    from_status: m.from,
    to_status: m.to,
    new_confirmations: m.confirmations ?? null,
    new_credited_amount: m.creditedAmount ?? null,
    set_failure: m.failure !== undefined,
    new_failure: m.failure ?? null,
  }));
  // The primary key looks the rows up (`id = any(array)`): joined on the recordset alone, the
  // planner may scan the table (it cannot tell how many rows a JSON recordset has). The
  // recordset's columns have names of their own, so the returned columns are the row's.
  const rows = await em.execute<DepositRow[]>(
    `update funding.deposits d set
       status = v.to_status,
       updated_at = now(),
       confirmations = coalesce(greatest(d.confirmations, v.new_confirmations), d.confirmations),
       credited_amount = coalesce(v.new_credited_amount, d.credited_amount),
       failure = case when v.set_failure then v.new_failure else d.failure end
     from jsonb_to_recordset(?::jsonb)
       as v(move_id uuid, from_status text, to_status text, new_confirmations int, new_credited_amount numeric, set_failure boolean, new_failure text)
     where d.id = any(?::uuid[]) and d.id = v.move_id and d.status = v.from_status
       and (v.from_status <> v.to_status or d.confirmations < v.new_confirmations)
     returning ${DEPOSIT_COLUMNS}`,
    [JSON.stringify(values), `{${moves.map((m) => m.id).join(',')}}`],
  );
  return rows.map(toRecord);
}

/** A confirmation count that grew, status unchanged (confirming n of N). */
export async function updateConfirmations(em: EntityManager, id: string, status: DepositStatus, confirmations: number): Promise<DepositRecord | null> {
  const rows = await em.execute<DepositRow[]>(
    `update funding.deposits set confirmations = ?, updated_at = now() where id = ? and status = ? and confirmations < ? returning ${DEPOSIT_COLUMNS}`,
    [confirmations, id, status, confirmations],
  );
  return rows.length > 0 ? toRecord(rows[0]) : null;
}

export async function depositById(em: EntityManager, id: string): Promise<DepositRecord | null> {
  const rows = await em.execute<DepositRow[]>(`select ${DEPOSIT_COLUMNS} from funding.deposits where id = ?`, [id]);
  return rows.length > 0 ? toRecord(rows[0]) : null;
}

/** The deposits one transaction made on `chain` (one per token transfer to us). */
export async function depositsOfTransaction(em: EntityManager, chain: string, txHash: string): Promise<DepositRecord[]> {
  const rows = await em.execute<DepositRow[]>(`select ${DEPOSIT_COLUMNS} from funding.deposits where network = ? and tx_hash = ? order by log_index`, [
    chain,
    txHash.toLowerCase(),
  ]);
  return rows.map(toRecord);
}

export interface DepositFilter {
  statuses?: readonly DepositStatus[];
  chain?: string;
  asset?: string;
  since?: Date;
}

/** A user's deposits newest first after a cursor (createdAt, id), filtered, at most `limit`. */
export async function depositsOfUser(
  em: EntityManager,
  userId: string,
  filter: DepositFilter,
  after: { createdAt: Date; id: string } | undefined,
  limit: number,
): Promise<DepositRecord[]> {
  const where = ['user_id = ?'];
  const params: unknown[] = [userId];
  if (filter.statuses && filter.statuses.length > 0) {
    where.push(`status in (${filter.statuses.map(() => '?').join(', ')})`);
    params.push(...filter.statuses);
  }
  if (filter.chain) {
    where.push('network = ?');
    params.push(filter.chain);
  }
  if (filter.asset) {
    where.push('asset = ?');
    params.push(filter.asset);
  }
  if (filter.since) {
    where.push('created_at >= ?');
    params.push(filter.since);
  }
  if (after) {
    where.push("(date_trunc('milliseconds', created_at), id) < (?, ?)");
    params.push(after.createdAt, after.id);
  }
  const rows = await em.execute<DepositRow[]>(
    `select ${DEPOSIT_COLUMNS} from funding.deposits where ${where.join(' and ')} order by created_at desc, id desc limit ?`,
    [...params, limit],
  );
  return rows.map(toRecord);
}

export interface ChainCursor {
  blockNumber: number;
  blockHash: string;
  /** Block 0's hash: a different one means a new chain under the same name (a local chain restarted). */
  genesisHash: string;
}

export async function chainCursor(em: EntityManager, chain: string): Promise<ChainCursor | null> {
  const rows = await em.execute<{ blockNumber: string; blockHash: string; genesisHash: string }[]>(
    'select block_number::text as "blockNumber", block_hash as "blockHash", genesis_hash as "genesisHash" from funding.chain_cursors where chain = ?',
    [chain],
  );
  return rows.length > 0 ? { blockNumber: Number(rows[0].blockNumber), blockHash: rows[0].blockHash, genesisHash: rows[0].genesisHash } : null;
}

export async function saveChainCursor(em: EntityManager, chain: string, cursor: ChainCursor): Promise<void> {
  await em.execute(
    `insert into funding.chain_cursors (chain, block_number, block_hash, genesis_hash) values (?, ?, ?, ?)
     on conflict (chain) do update set block_number = excluded.block_number, block_hash = excluded.block_hash,
       genesis_hash = excluded.genesis_hash, updated_at = now()`,
    [chain, cursor.blockNumber, cursor.blockHash, cursor.genesisHash],
  );
}
