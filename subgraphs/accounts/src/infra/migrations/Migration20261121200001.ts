import { Migration } from '@mikro-orm/migrations';

/**
 * Wallet and integrator identities: users without an email or password (wallet-only, OIDC),
 * SIWE / wallet-link nonces, linked wallets, embedded-wallet key material (in its own table so
 * no query for wallets ever reads it), OIDC identities and pending OIDC sign-ins, API keys.
 */
export class Migration20261121200001 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table accounts.users alter column email drop not null');
    this.addSql('alter table accounts.users alter column password_hash drop not null');

    this.addSql(`create table accounts.wallet_nonces (
      nonce text primary key,
      purpose text not null check (purpose in ('sign_in', 'link')),
      user_id uuid references accounts.users (id) on delete cascade,
      address text,
      message text,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now()
    )`);
    this.addSql('create index wallet_nonces_expires_at on accounts.wallet_nonces (expires_at)');

    this.addSql(`create table accounts.wallets (
      id uuid primary key,
      user_id uuid not null references accounts.users (id) on delete cascade,
      address text not null unique,
      kind text not null check (kind in ('EXTERNAL', 'EMBEDDED')),
      provider text,
      created_at timestamptz not null default now()
    )`);
    this.addSql('create index wallets_user_id on accounts.wallets (user_id, created_at)');

    this.addSql(`create table accounts.embedded_wallet_keys (
      wallet_id uuid primary key references accounts.wallets (id) on delete cascade,
      key_id text not null,
      iv bytea not null,
      ciphertext bytea not null,
      auth_tag bytea not null,
      created_at timestamptz not null default now()
    )`);

    this.addSql(`create table accounts.oidc_identities (
      provider text not null,
      subject text not null,
      user_id uuid not null references accounts.users (id) on delete cascade,
      email text,
      created_at timestamptz not null default now(),
      primary key (provider, subject)
    )`);
    this.addSql(`create table accounts.oidc_pending (
      state text primary key,
      provider text not null,
      code_verifier text not null,
      nonce text not null,
      expires_at timestamptz not null,
      used_at timestamptz
    )`);

    this.addSql(`create table accounts.api_keys (
      id uuid primary key,
      user_id uuid not null references accounts.users (id) on delete cascade,
      label text not null,
      prefix text not null,
      secret_hash bytea not null unique,
      scopes text[] not null,
      ip_allow_list text[] not null default '{}',
      expires_at timestamptz,
      revoked_at timestamptz,
      last_used_at timestamptz,
      created_at timestamptz not null default now()
    )`);
    this.addSql('create index api_keys_user_id on accounts.api_keys (user_id, created_at)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table accounts.api_keys');
    this.addSql('drop table accounts.oidc_pending');
    this.addSql('drop table accounts.oidc_identities');
    this.addSql('drop table accounts.embedded_wallet_keys');
    this.addSql('drop table accounts.wallets');
    this.addSql('drop table accounts.wallet_nonces');
  }
}
