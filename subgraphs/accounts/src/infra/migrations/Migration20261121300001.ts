import { Migration } from '@mikro-orm/migrations';

/** Roles' audit log (append-only), KYC with sealed personal data, referral codes. */
export class Migration20261121300001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table accounts.audit_log (
      id bigserial primary key,
      at timestamptz not null default now(),
      actor_id uuid not null,
      action text not null,
      target_type text,
      target_id text,
      details jsonb not null default '{}',
      request_id text
    )`);
    this.addSql('create index audit_log_actor_idx on accounts.audit_log (actor_id, id desc)');
    this.addSql('create index audit_log_action_idx on accounts.audit_log (action, id desc)');
    this.addSql('create index audit_log_target_idx on accounts.audit_log (target_id, id desc)');
    // Append-only in the database itself, whoever connects.
    this.addSql(`create function accounts.audit_log_refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'accounts.audit_log is append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
      end
    $$`);
    this.addSql(`create trigger audit_log_append_only before update or delete on accounts.audit_log
      for each row execute function accounts.audit_log_refuse_change()`);
    this.addSql(`create trigger audit_log_no_truncate before truncate on accounts.audit_log
      for each statement execute function accounts.audit_log_refuse_change()`);

    this.addSql(`create table accounts.kyc (
      user_id uuid primary key references accounts.users (id) on delete cascade,
      status text not null check (status in ('pending', 'approved', 'rejected')),
      level int not null default 0 check (level between 0 and 2),
      requested_level int not null check (requested_level between 1 and 2),
      provider text not null,
      provider_reference text,
      rejection_reason text,
      pii_key_id text not null,
      pii bytea not null,
      submitted_at timestamptz not null,
      reviewed_at timestamptz,
      reviewed_by uuid,
      updated_at timestamptz not null default now()
    )`);
    this.addSql('create index kyc_pii_key_idx on accounts.kyc (pii_key_id)');

    // Every user has a referral code; existing users get one here. The column default covers
    // rows inserted by any other path; the application makes friendlier base32 codes.
    this.addSql(`alter table accounts.users
      add column referral_code text default upper(substr(md5(gen_random_uuid()::text), 1, 10)),
      add column referred_by uuid references accounts.users (id)`);
    this.addSql(`update accounts.users set referral_code = upper(substr(md5(gen_random_uuid()::text), 1, 10)) where referral_code is null`);
    this.addSql('alter table accounts.users alter column referral_code set not null');
    this.addSql('create unique index users_referral_code_key on accounts.users (referral_code)');
    this.addSql('create index users_referred_by_idx on accounts.users (referred_by, created_at desc, id desc)');
  }

  override async down(): Promise<void> {
    this.addSql('drop index accounts.users_referred_by_idx');
    this.addSql('drop index accounts.users_referral_code_key');
    this.addSql('alter table accounts.users drop column referred_by, drop column referral_code');
    this.addSql('drop table accounts.kyc');
    this.addSql('drop table accounts.audit_log');
    this.addSql('drop function accounts.audit_log_refuse_change()');
  }
}
