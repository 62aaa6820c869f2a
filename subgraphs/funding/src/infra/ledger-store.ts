import type { EntityManager } from '@tradegraph/shared';
import { fromUnits, toUnits } from '@tradegraph/shared/domain';
import type { LedgerEntry } from '../domain/ledger';

/**
 * The ledger in Postgres (funding.ledger_entries, funding.ledger_postings): append-only and
 * balanced, both enforced by the database (Migration20261208100001). `postEntries` runs inside the
 * caller's transaction — the one that records the fact — and is idempotent on each entry's source.
 */
export async function postEntries(em: EntityManager, entries: readonly (LedgerEntry | null)[]): Promise<number> {
  const list = entries.filter((entry): entry is LedgerEntry => entry !== null);
  let posted = 0;
  // Many entries (a watcher pass's credits) in two statements per slice, not two per entry.
  for (let i = 0; i < list.length; i += ENTRIES_PER_STATEMENT) posted += await postSlice(em, list.slice(i, i + ENTRIES_PER_STATEMENT));
  return posted;
}

/** Entries (and their postings) a statement of `postEntries` writes at most: its parameters stay far below Postgres' 65,535. */
const ENTRIES_PER_STATEMENT = 1000;

async function postSlice(em: EntityManager, entries: readonly LedgerEntry[]): Promise<number> {
  if (entries.length === 0) return 0;
  // An entry whose source is recorded already (the same event again) is skipped: `on conflict do nothing`
  // returns only the new ones; a source twice in one call is written once, with the first entry's postings.
  const rows = await em.execute<{ id: string; source: string }[]>(
    `insert into funding.ledger_entries (source, kind) values ${entries.map(() => '(?, ?)').join(', ')}
     on conflict (source) do nothing returning id::text as id, source`,
    entries.flatMap((entry) => [entry.source, entry.kind]),
  );
  if (rows.length === 0) return 0;
  const idOf = new Map(rows.map((row) => [row.source, row.id]));
  const postings: unknown[][] = [];
  for (const entry of entries) {
    const id = idOf.get(entry.source);
    if (id === undefined) continue;
    idOf.delete(entry.source);
    for (const p of entry.postings) postings.push([id, p.account, p.asset, fromUnits(p.amount)]);
  }
  if (postings.length === 0) return rows.length;
  await em.execute(
    `insert into funding.ledger_postings (entry_id, account, asset, amount) values ${postings.map(() => '(?, ?, ?, ?)').join(', ')}`,
    postings.flat(),
  );
  return rows.length;
}

/** Every account's balance, per asset (units of 10^-18). */
export async function ledgerBalances(em: EntityManager): Promise<Map<string, Map<string, bigint>>> {
  const rows = await em.execute<{ asset: string; account: string; balance: string }[]>(
    'select asset, account, sum(amount)::text as balance from funding.ledger_postings group by asset, account',
  );
  const byAsset = new Map<string, Map<string, bigint>>();
  for (const row of rows) {
    let accounts = byAsset.get(row.asset);
    if (!accounts) byAsset.set(row.asset, (accounts = new Map()));
    accounts.set(row.account, toUnits(row.balance));
  }
  return byAsset;
}

export interface PostingRow {
  id: string;
  source: string;
  kind: string;
  account: string;
  asset: string;
  amount: string;
  createdAt: Date;
}

/** The newest postings on `asset`, newest first. */
export async function recentPostings(em: EntityManager, asset: string, limit: number): Promise<PostingRow[]> {
  const rows = await em.execute<Record<string, string>[]>(
    `select p.id::text as id, e.source, e.kind, p.account, p.asset, p.amount::text as amount, to_json(p.created_at) #>> '{}' as "createdAt"
       from funding.ledger_postings p join funding.ledger_entries e on e.id = p.entry_id
      where p.asset = ? order by p.id desc limit ?`,
    [asset, limit],
  );
  return rows.map((r) => ({ id: r.id, source: r.source, kind: r.kind, account: r.account, asset: r.asset, amount: fromUnits(toUnits(r.amount)), createdAt: new Date(r.createdAt) }));
}

/** The deposit addresses of `chain` (checksummed as stored). */
export async function depositAddressesOf(em: EntityManager, chain: string): Promise<string[]> {
  const rows = await em.execute<{ address: string }[]>('select address from funding.deposit_addresses where chain = ? order by address', [chain]);
  return rows.map((r) => r.address);
}

/** Deposits on chain not credited yet, per asset (what an on-chain surplus usually is). */
export async function uncreditedDeposits(em: EntityManager): Promise<{ chain: string; asset: string; status: string; count: number; amount: string }[]> {
  const rows = await em.execute<{ chain: string; asset: string; status: string; count: string; amount: string }[]>(
    `select network as chain, asset, status, count(*)::text as count, sum(amount)::text as amount from funding.deposits
      where status in ('detected', 'confirming', 'confirmed', 'swapping', 'failed', 'unsupported_token') group by network, asset, status order by 1, 2, 3`,
  );
  return rows.map((r) => ({ chain: r.chain, asset: r.asset, status: r.status, count: Number(r.count), amount: fromUnits(toUnits(r.amount)) }));
}

/** Withdrawals under way (debited, not final), per asset and status. */
export async function openWithdrawalTotals(em: EntityManager): Promise<{ chain: string; asset: string; status: string; count: number; amount: string }[]> {
  const rows = await em.execute<{ chain: string; asset: string; status: string; count: string; amount: string }[]>(
    `select chain, asset, status, count(*)::text as count, sum(total)::text as amount from funding.withdrawals
      where status in ('held', 'requested', 'signed', 'broadcast') or (status = 'failed' and released_at is null) group by chain, asset, status order by 1, 2, 3`,
  );
  return rows.map((r) => ({ chain: r.chain, asset: r.asset, status: r.status, count: Number(r.count), amount: fromUnits(toUnits(r.amount)) }));
}
