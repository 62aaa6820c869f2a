import { Migration } from '@mikro-orm/migrations';

/** Sessions with rotating refresh tokens, TOTP second factors, recovery codes, 2FA login challenges. */
export class Migration20261121400001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table accounts.sessions (
      id uuid primary key,
      user_id uuid not null references accounts.users (id) on delete cascade,
      created_at timestamptz not null default now(),
      last_used_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz,
      revoked_reason text,
      ip text,
      user_agent text
    )`);
    this.addSql('create index sessions_user_created on accounts.sessions (user_id, created_at desc, id desc)');
    this.addSql(`create table accounts.refresh_tokens (
      token_hash text primary key,
      session_id uuid not null references accounts.sessions (id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      spent_at timestamptz
    )`);
    this.addSql('create index refresh_tokens_session on accounts.refresh_tokens (session_id)');
    this.addSql(`create table accounts.two_factor (
      user_id uuid primary key references accounts.users (id) on delete cascade,
      secret text not null,
      enabled_at timestamptz,
      last_used_step integer,
      created_at timestamptz not null default now()
    )`);
    this.addSql(`create table accounts.recovery_codes (
      code_hash text primary key,
      user_id uuid not null references accounts.users (id) on delete cascade,
      created_at timestamptz not null default now(),
      used_at timestamptz
    )`);
    this.addSql('create index recovery_codes_user on accounts.recovery_codes (user_id)');
    this.addSql(`create table accounts.login_challenges (
      challenge_hash text primary key,
      user_id uuid not null references accounts.users (id) on delete cascade,
      expires_at timestamptz not null,
      used_at timestamptz
    )`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table accounts.login_challenges');
    this.addSql('drop table accounts.recovery_codes');
    this.addSql('drop table accounts.two_factor');
    this.addSql('drop table accounts.refresh_tokens');
    this.addSql('drop table accounts.sessions');
  }
}
