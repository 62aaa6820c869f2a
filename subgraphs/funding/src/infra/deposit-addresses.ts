import type { EntityManager } from '@tradegraph/shared';
import type { AddressDeriver } from './hd-keys';

export interface DepositAddressRow {
  id: string;
  userId: string;
  chain: string;
  address: string;
  derivationIndex: number;
  /** ISO time. */
  createdAt: string;
}

const COLUMNS = `id::text as id, user_id as "userId", chain, address, derivation_index as "derivationIndex", to_json(created_at) #>> '{}' as "createdAt"`;

/** The user's address on `chain`, made (the next HD index) on first use; a concurrent first use gets the same one. */
export async function depositAddressOf(em: EntityManager, deriver: AddressDeriver, userId: string, chain: string): Promise<DepositAddressRow> {
  const found = await em.execute<DepositAddressRow[]>(`select ${COLUMNS} from funding.deposit_addresses where user_id = ? and chain = ?`, [userId, chain]);
  if (found.length > 0) return found[0];
  const [{ index }] = await em.execute<{ index: string }[]>(`select nextval('funding.address_index_seq')::text as index`);
  const address = deriver.address(Number(index));
  await em.execute(
    `insert into funding.deposit_addresses (user_id, chain, address, derivation_index) values (?, ?, ?, ?) on conflict (user_id, chain) do nothing`,
    [userId, chain, address, Number(index)],
  );
  const [row] = await em.execute<DepositAddressRow[]>(`select ${COLUMNS} from funding.deposit_addresses where user_id = ? and chain = ?`, [userId, chain]);
  return row;
}

/** Addresses of `chain` made after id `afterId`, oldest first (the watcher's address book catches up with these). */
export async function depositAddressesAfter(em: EntityManager, chain: string, afterId: string): Promise<DepositAddressRow[]> {
  return em.execute<DepositAddressRow[]>(`select ${COLUMNS} from funding.deposit_addresses a where chain = ? and a.id > ? order by a.id`, [chain, afterId]);
}
