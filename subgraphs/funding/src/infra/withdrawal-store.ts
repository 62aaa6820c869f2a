import type { EntityManager } from '@tradegraph/shared';
import type { WithdrawalStatus } from '@tradegraph/shared/domain';
import { trimDecimal } from './deposit-store';

/**
 * Withdrawals in Postgres (funding.withdrawals, funding.withdrawal_txs, funding.hot_wallet_nonces,
 * funding.withdrawal_quotes). Every change of status is a conditional update on the status it
 * was read with, so two writers never make the same move. docs/architecture.md, "Withdrawals".
 */
export interface WithdrawalRecord {
  id: string;
  userId: string;
  idempotencyKey: string;
  chain: string;
  asset: string;
  toAddress: string;
  amount: string;
  exchangeFee: string;
  networkFee: string;
  total: string;
  quoteId: string | null;
  status: WithdrawalStatus;
  lockedAt: Date | null;
  fromAddress: string | null;
  nonce: number | null;
  txHash: string | null;
  confirmations: number;
  requiredConfirmations: number;
  blockNumber: number | null;
  failure: string | null;
  holdReason: string | null;
  releasedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, user_id as "userId", idempotency_key as "idempotencyKey", chain, asset, to_address as "toAddress",
  amount::text as amount, exchange_fee::text as "exchangeFee", network_fee::text as "networkFee", total::text as total,
  quote_id as "quoteId", status, to_json(locked_at) #>> '{}' as "lockedAt", from_address as "fromAddress", nonce::text as nonce,
  tx_hash as "txHash", confirmations, required_confirmations as "requiredConfirmations", block_number::text as "blockNumber",
  failure, hold_reason as "holdReason", to_json(released_at) #>> '{}' as "releasedAt", to_json(created_at) #>> '{}' as "createdAt", to_json(updated_at) #>> '{}' as "updatedAt"`;

type Row = Record<keyof WithdrawalRecord, unknown>;

function toRecord(row: Row): WithdrawalRecord {
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));
  return {
    ...(row as unknown as WithdrawalRecord),
    amount: trimDecimal(row.amount as string),
    exchangeFee: trimDecimal(row.exchangeFee as string),
    networkFee: trimDecimal(row.networkFee as string),
    total: trimDecimal(row.total as string),
    lockedAt: date(row.lockedAt),
    releasedAt: date(row.releasedAt),
    nonce: row.nonce === null ? null : Number(row.nonce),
    blockNumber: row.blockNumber === null ? null : Number(row.blockNumber),
    createdAt: new Date(row.createdAt as string),
    updatedAt: new Date(row.updatedAt as string),
  };
}

export interface NewWithdrawal {
  id: string;
  userId: string;
  idempotencyKey: string;
  chain: string;
  asset: string;
  toAddress: string;
  amount: string;
  exchangeFee: string;
  networkFee: string;
  total: string;
  quoteId: string | null;
  requiredConfirmations: number;
  /** Set: the withdrawal is `held` for an admin, for this reason. */
  holdReason: string | null;
}

/** Inserts a withdrawal (`requested`, not yet locked); null when the user's key is taken (the existing one is read then). */
export async function insertWithdrawal(em: EntityManager, w: NewWithdrawal): Promise<WithdrawalRecord | null> {
  const rows = await em.execute<Row[]>(
    `insert into funding.withdrawals (id, user_id, idempotency_key, chain, asset, to_address, amount, exchange_fee, network_fee, total, quote_id, status, hold_reason, required_confirmations)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (user_id, idempotency_key) do nothing returning ${COLUMNS}`,
    [w.id, w.userId, w.idempotencyKey, w.chain, w.asset, w.toAddress, w.amount, w.exchangeFee, w.networkFee, w.total, w.quoteId, w.holdReason ? 'held' : 'requested', w.holdReason, w.requiredConfirmations],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function withdrawalByKey(em: EntityManager, userId: string, key: string): Promise<WithdrawalRecord | null> {
  const rows = await em.execute<Row[]>(`select ${COLUMNS} from funding.withdrawals where user_id = ? and idempotency_key = ?`, [userId, key]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function withdrawalById(em: EntityManager, id: string): Promise<WithdrawalRecord | null> {
  const rows = await em.execute<Row[]>(`select ${COLUMNS} from funding.withdrawals where id = ?`, [id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** A user's locked withdrawals, newest first. */
export async function withdrawalsOfUser(em: EntityManager, userId: string, limit: number): Promise<WithdrawalRecord[]> {
  const rows = await em.execute<Row[]>(
    `select ${COLUMNS} from funding.withdrawals where user_id = ? and locked_at is not null order by created_at desc, id desc limit ?`,
    [userId, limit],
  );
  return rows.map(toRecord);
}

/** Withdrawals whose debit never got an answer (a crash or an outage between insert and lock), older than `seconds`. */
export async function unlockedWithdrawals(em: EntityManager, chain: string, seconds: number): Promise<WithdrawalRecord[]> {
  const rows = await em.execute<Row[]>(
    `select ${COLUMNS} from funding.withdrawals where chain = ? and locked_at is null and status in ('requested', 'held') and created_at < now() - make_interval(secs => ?) limit 100`,
    [chain, seconds],
  );
  return rows.map(toRecord);
}

/** Failed withdrawals whose debit has not been given back yet. */
export async function unreleasedFailures(em: EntityManager, chain: string): Promise<WithdrawalRecord[]> {
  const rows = await em.execute<Row[]>(
    `select ${COLUMNS} from funding.withdrawals where chain = ? and status = 'failed' and locked_at is not null and released_at is null limit 100`,
    [chain],
  );
  return rows.map(toRecord);
}

export async function markLocked(em: EntityManager, id: string): Promise<WithdrawalRecord | null> {
  const rows = await em.execute<Row[]>(
    `update funding.withdrawals set locked_at = coalesce(locked_at, now()), updated_at = now() where id = ? returning ${COLUMNS}`,
    [id],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** A withdrawal matching refused to debit: it never existed as far as the user is concerned. */
export async function deleteUnlocked(em: EntityManager, id: string): Promise<void> {
  await em.execute('delete from funding.withdrawals where id = ? and locked_at is null', [id]);
}

export async function markReleased(em: EntityManager, id: string): Promise<void> {
  await em.execute('update funding.withdrawals set released_at = now() where id = ? and released_at is null', [id]);
}

export interface WithdrawalChange {
  status: WithdrawalStatus;
  failure?: string | null;
  confirmations?: number;
  blockNumber?: number | null;
  txHash?: string;
  fromAddress?: string;
  nonce?: number;
}

/** Moves a withdrawal from `from` (conditional on it); null when it had moved already. */
export async function changeWithdrawal(em: EntityManager, id: string, from: WithdrawalStatus, change: WithdrawalChange): Promise<WithdrawalRecord | null> {
  const sets = ['status = ?', 'updated_at = now()'];
  const params: unknown[] = [change.status];
  const add = (column: string, value: unknown) => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (change.failure !== undefined) add('failure', change.failure);
  if (change.confirmations !== undefined) add('confirmations', change.confirmations);
  if (change.blockNumber !== undefined) add('block_number', change.blockNumber);
  if (change.txHash !== undefined) add('tx_hash', change.txHash);
  if (change.fromAddress !== undefined) add('from_address', change.fromAddress);
  if (change.nonce !== undefined) add('nonce', change.nonce);
  const rows = await em.execute<Row[]>(`update funding.withdrawals set ${sets.join(', ')} where id = ? and status = ? returning ${COLUMNS}`, [...params, id, from]);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Locked withdrawals of a chain in `status`, oldest first, locked for this transaction (others skip them). */
export async function claimWithdrawals(em: EntityManager, chain: string, status: WithdrawalStatus, limit: number): Promise<WithdrawalRecord[]> {
  const rows = await em.execute<Row[]>(
    `select ${COLUMNS} from funding.withdrawals where chain = ? and status = ? and locked_at is not null
     order by created_at, id limit ? for update skip locked`,
    [chain, status, limit],
  );
  return rows.map(toRecord);
}

export async function openWithdrawals(em: EntityManager, chain: string, status: WithdrawalStatus): Promise<WithdrawalRecord[]> {
  const rows = await em.execute<Row[]>(
    `select ${COLUMNS} from funding.withdrawals w where chain = ? and status = ? and locked_at is not null order by w.nonce nulls last, created_at limit 500`,
    [chain, status],
  );
  return rows.map(toRecord);
}

// --- nonces -----------------------------------------------------------------------------------

/**
 * The hot wallet's next nonce on `chain`, locked until the transaction ends: signers of one
 * chain take turns, and the nonce they use is written back in the same transaction as the
 * signed transaction that uses it — so nonces have no gaps and no duplicates, across processes
 * and restarts. The first use reads the chain's count (`initial`).
 */
export async function lockNextNonce(em: EntityManager, chain: string, address: string, initial: () => Promise<number>): Promise<number> {
  const read = () => em.execute<{ next: string }[]>('select next_nonce::text as next from funding.hot_wallet_nonces where chain = ? and address = ? for update', [chain, address]);
  let rows = await read();
  if (rows.length === 0) {
    await em.execute('insert into funding.hot_wallet_nonces (chain, address, next_nonce) values (?, ?, ?) on conflict do nothing', [chain, address, await initial()]);
    rows = await read();
  }
  return Number(rows[0].next);
}

export async function storeNextNonce(em: EntityManager, chain: string, address: string, next: number): Promise<void> {
  await em.execute('update funding.hot_wallet_nonces set next_nonce = ? where chain = ? and address = ?', [next, chain, address]);
}

// --- signed transactions ----------------------------------------------------------------------

export interface WithdrawalTx {
  txHash: string;
  withdrawalId: string;
  chain: string;
  fromAddress: string;
  nonce: number;
  rawTx: string;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  broadcasts: number;
  broadcastAt: Date | null;
  createdAt: Date;
}

const TX_COLUMNS = `tx_hash as "txHash", withdrawal_id as "withdrawalId", chain, from_address as "fromAddress", nonce::text as nonce, raw_tx as "rawTx",
  max_fee_per_gas::text as "maxFeePerGas", max_priority_fee_per_gas::text as "maxPriorityFeePerGas", broadcasts,
  to_json(broadcast_at) #>> '{}' as "broadcastAt", to_json(created_at) #>> '{}' as "createdAt"`;

function toTx(row: Record<string, unknown>): WithdrawalTx {
  return {
    txHash: row.txHash as string,
    withdrawalId: row.withdrawalId as string,
    chain: row.chain as string,
    fromAddress: row.fromAddress as string,
    nonce: Number(row.nonce),
    rawTx: row.rawTx as string,
    maxFeePerGas: BigInt(row.maxFeePerGas as string),
    maxPriorityFeePerGas: BigInt(row.maxPriorityFeePerGas as string),
    broadcasts: Number(row.broadcasts),
    broadcastAt: row.broadcastAt ? new Date(row.broadcastAt as string) : null,
    createdAt: new Date(row.createdAt as string),
  };
}

export async function recordSignedTx(em: EntityManager, tx: Omit<WithdrawalTx, 'broadcasts' | 'broadcastAt' | 'createdAt'>): Promise<void> {
  await em.execute(
    `insert into funding.withdrawal_txs (tx_hash, withdrawal_id, chain, from_address, nonce, raw_tx, max_fee_per_gas, max_priority_fee_per_gas)
     values (?, ?, ?, ?, ?, ?, ?, ?)`,
    [tx.txHash, tx.withdrawalId, tx.chain, tx.fromAddress, tx.nonce, tx.rawTx, tx.maxFeePerGas.toString(), tx.maxPriorityFeePerGas.toString()],
  );
}

/** Every transaction signed for a withdrawal, oldest first (more than one after replacements). */
export async function txsOf(em: EntityManager, withdrawalId: string): Promise<WithdrawalTx[]> {
  const rows = await em.execute<Record<string, unknown>[]>(`select ${TX_COLUMNS} from funding.withdrawal_txs where withdrawal_id = ? order by created_at, tx_hash`, [withdrawalId]);
  return rows.map(toTx);
}

export async function txByHash(em: EntityManager, txHash: string): Promise<WithdrawalTx | null> {
  const rows = await em.execute<Record<string, unknown>[]>(`select ${TX_COLUMNS} from funding.withdrawal_txs where tx_hash = ?`, [txHash]);
  return rows[0] ? toTx(rows[0]) : null;
}

export async function markBroadcast(em: EntityManager, txHash: string): Promise<void> {
  await em.execute('update funding.withdrawal_txs set broadcasts = broadcasts + 1, broadcast_at = coalesce(broadcast_at, now()) where tx_hash = ?', [txHash]);
}

// --- quotes -----------------------------------------------------------------------------------

export interface WithdrawalQuoteRecord {
  id: string;
  userId: string;
  chain: string;
  asset: string;
  amount: string;
  exchangeFee: string;
  networkFee: string;
  networkFeeNative: string;
  expiresAt: Date;
}

export async function insertQuote(em: EntityManager, q: WithdrawalQuoteRecord): Promise<void> {
  await em.execute(
    `insert into funding.withdrawal_quotes (id, user_id, chain, asset, amount, exchange_fee, network_fee, network_fee_native, expires_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [q.id, q.userId, q.chain, q.asset, q.amount, q.exchangeFee, q.networkFee, q.networkFeeNative, q.expiresAt],
  );
}

export async function quoteById(em: EntityManager, id: string): Promise<WithdrawalQuoteRecord | null> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `select id, user_id as "userId", chain, asset, amount::text as amount, exchange_fee::text as "exchangeFee", network_fee::text as "networkFee",
       network_fee_native::text as "networkFeeNative", to_json(expires_at) #>> '{}' as "expiresAt" from funding.withdrawal_quotes where id = ?`,
    [id],
  );
  if (!rows[0]) return null;
  const r = rows[0];
  return {
    id: r.id as string,
    userId: r.userId as string,
    chain: r.chain as string,
    asset: r.asset as string,
    amount: trimDecimal(r.amount as string),
    exchangeFee: trimDecimal(r.exchangeFee as string),
    networkFee: trimDecimal(r.networkFee as string),
    networkFeeNative: trimDecimal(r.networkFeeNative as string),
    expiresAt: new Date(r.expiresAt as string),
  };
}

/** Whether `address` (checksummed, as stored) is one of the exchange's deposit addresses on `chain`. */
export async function isDepositAddress(em: EntityManager, chain: string, address: string): Promise<boolean> {
  const rows = await em.execute<{ n: number }[]>('select 1 as n from funding.deposit_addresses where chain = ? and address = ? limit 1', [chain, address]);
  return rows.length > 0;
}

/** The user's withdrawals of `asset` in the last 24 hours that did not fail (units of 10^-18), and their count in the last hour. */
export async function recentWithdrawals(em: EntityManager, userId: string, asset: string): Promise<{ last24h: string; lastHour: number }> {
  const [row] = await em.execute<{ sum: string; hour: number }[]>(
    `select coalesce(sum(amount) filter (where asset = ? and created_at > now() - interval '24 hours'), 0)::text as sum,
            count(*) filter (where created_at > now() - interval '1 hour')::int as hour
       from funding.withdrawals where user_id = ? and status <> 'failed' and created_at > now() - interval '24 hours'`,
    [asset, userId],
  );
  return { last24h: trimDecimal(row.sum), lastHour: Number(row.hour) };
}

/** How many withdrawals (not failed) the user made after `since`. */
export async function withdrawalsSince(em: EntityManager, userId: string, since: Date): Promise<number> {
  const [row] = await em.execute<{ n: string }[]>("select count(*)::text as n from funding.withdrawals where user_id = ? and status <> 'failed' and created_at > ?", [userId, since]);
  return Number(row.n);
}

// --- the address book -------------------------------------------------------------------------

export interface WithdrawalAddressRow {
  id: string;
  chain: string;
  address: string;
  label: string;
  usableFrom: Date;
  createdAt: Date;
}

const ADDRESS_COLUMNS = `id::text, chain, address, label, to_json(usable_from) #>> '{}' as "usableFrom", to_json(created_at) #>> '{}' as "createdAt"`;
const toAddressRow = (r: Record<string, unknown>): WithdrawalAddressRow => ({
  id: r.id as string,
  chain: r.chain as string,
  address: r.address as string,
  label: r.label as string,
  usableFrom: new Date(r.usableFrom as string),
  createdAt: new Date(r.createdAt as string),
});

/** Adds an entry usable after `coolOffSeconds`; an address already there keeps its entry (and its cool-off). */
export async function addWithdrawalAddress(em: EntityManager, userId: string, chain: string, address: string, label: string, coolOffSeconds: number): Promise<WithdrawalAddressRow> {
  await em.execute(
    `insert into funding.withdrawal_addresses (user_id, chain, address, label, usable_from) values (?, ?, ?, ?, now() + make_interval(secs => ?))
     on conflict (user_id, chain, address) do nothing`,
    [userId, chain, address, label, coolOffSeconds],
  );
  return (await withdrawalAddressOf(em, userId, chain, address))!;
}

export async function withdrawalAddressOf(em: EntityManager, userId: string, chain: string, address: string): Promise<WithdrawalAddressRow | null> {
  const rows = await em.execute<Record<string, unknown>[]>(`select ${ADDRESS_COLUMNS} from funding.withdrawal_addresses where user_id = ? and chain = ? and address = ?`, [userId, chain, address]);
  return rows[0] ? toAddressRow(rows[0]) : null;
}

export async function withdrawalAddressesOf(em: EntityManager, userId: string): Promise<WithdrawalAddressRow[]> {
  const rows = await em.execute<Record<string, unknown>[]>(`select ${ADDRESS_COLUMNS} from funding.withdrawal_addresses where user_id = ? order by created_at, id`, [userId]);
  return rows.map(toAddressRow);
}

export async function allowListOnly(em: EntityManager, userId: string): Promise<boolean> {
  const rows = await em.execute<{ enabled: boolean }[]>('select allow_list_only as enabled from funding.withdrawal_settings where user_id = ?', [userId]);
  return rows[0]?.enabled ?? false;
}

export async function setAllowListOnly(em: EntityManager, userId: string, on: boolean): Promise<void> {
  await em.execute(
    `insert into funding.withdrawal_settings (user_id, allow_list_only) values (?, ?)
     on conflict (user_id) do update set allow_list_only = excluded.allow_list_only, updated_at = now()`,
    [userId, on],
  );
}
