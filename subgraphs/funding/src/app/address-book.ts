import type { MikroORM } from '@mikro-orm/postgresql';
import { depositAddressesAfter } from '../infra';

/**
 * A chain's deposit addresses in memory (lower case → user), for the watcher's set lookups.
 * Each pass first reads the addresses made since the last one (one indexed query), so an
 * address made by any process is watched from the next pass on.
 */
export class AddressBook {
  private readonly owners = new Map<string, string>();
  private lastId = '0';

  constructor(
    private readonly orm: MikroORM,
    readonly chain: string,
  ) {}

  async refresh(): Promise<void> {
    const rows = await depositAddressesAfter(this.orm.em.fork(), this.chain, this.lastId);
    for (const row of rows) {
      this.owners.set(row.address.toLowerCase(), row.userId);
      this.lastId = row.id;
    }
  }

  ownerOf(address: string): string | undefined {
    return this.owners.get(address.toLowerCase());
  }

  readonly isOurs = (address: string): boolean => this.owners.has(address.toLowerCase());

  get size(): number {
    return this.owners.size;
  }
}
