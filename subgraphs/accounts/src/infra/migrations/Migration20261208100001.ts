import { Migration } from '@mikro-orm/migrations';

/**
 * When a user's security settings last changed (funding holds the first withdrawal after one,
 * shared/src/contracts/accounts-withdrawal-profile.ts): 2FA turned off, or on again after being off.
 * `password_changed_at` is for a password change (none yet: no mutation changes a password).
 */
export class Migration20261208100001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table accounts.security_changes (
      user_id uuid primary key,
      two_factor_changed_at timestamptz,
      password_changed_at timestamptz
    )`);
  }
}
