import { Migration } from '@mikro-orm/migrations';

/**
 * The ledger (docs/architecture.md, "Ledger and reconciliation"): entries, one per source event
 * (unique), and their postings. Append-only, enforced by triggers: an UPDATE, DELETE or TRUNCATE
 * of either table raises (owners and superusers included — a revoked privilege would not stop the
 * owner funding connects as). Balanced, enforced by a deferred constraint trigger: at commit,
 * every entry a transaction touched sums to zero per asset. Amounts are numeric(38,18).
 */
export class Migration20261208100001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table funding.ledger_entries (
      id bigserial primary key,
      source text not null unique,
      kind text not null,
      created_at timestamptz not null default now()
    )`);
    this.addSql(`create table funding.ledger_postings (
      id bigserial primary key,
      entry_id bigint not null references funding.ledger_entries (id),
      account text not null,
      asset text not null,
      amount numeric(38, 18) not null check (amount <> 0),
      created_at timestamptz not null default now()
    )`);
    this.addSql('create index ledger_postings_entry on funding.ledger_postings (entry_id)');
    this.addSql('create index ledger_postings_asset_account on funding.ledger_postings (asset, account)');
    this.addSql(`create function funding.ledger_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'funding.% is append-only: % refused', tg_table_name, tg_op using errcode = 'restrict_violation';
      end $$`);
    for (const table of ['ledger_entries', 'ledger_postings']) {
      this.addSql(`create trigger ${table}_append_only before update or delete on funding.${table} for each row execute function funding.ledger_append_only()`);
      this.addSql(`create trigger ${table}_no_truncate before truncate on funding.${table} for each statement execute function funding.ledger_append_only()`);
    }
    this.addSql(`create function funding.ledger_balanced() returns trigger language plpgsql as $$
      declare off record;
      begin
        select asset, sum(amount) as total into off from funding.ledger_postings
          where entry_id = new.entry_id group by asset having sum(amount) <> 0 limit 1;
        if found then
          raise exception 'ledger entry % does not balance: % off by %', new.entry_id, off.asset, off.total using errcode = 'check_violation';
        end if;
        return null;
      end $$`);
    this.addSql(`create constraint trigger ledger_postings_balanced after insert on funding.ledger_postings
      deferrable initially deferred for each row execute function funding.ledger_balanced()`);
  }
}
