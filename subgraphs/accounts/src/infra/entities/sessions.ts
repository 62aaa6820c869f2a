import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A signed-in device: one refresh-token family. Access tokens name it in their `sid` claim;
 * revoking it ends the family (no refresh works any more).
 */
@Entity({ schema: 'accounts', tableName: 'sessions' })
export class SessionRecord {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'last_used_at' }) lastUsedAt!: Date;
  /** The session ends here at the latest, however often it is refreshed. */
  @Property({ type: 'timestamptz', fieldName: 'expires_at' }) expiresAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'revoked_at', nullable: true }) revokedAt!: Date | null;
  /** logout, revoked, refresh-token-reuse */
  @Property({ type: 'text', fieldName: 'revoked_reason', nullable: true }) revokedReason!: string | null;
  @Property({ type: 'text', nullable: true }) ip!: string | null;
  @Property({ type: 'text', fieldName: 'user_agent', nullable: true }) userAgent!: string | null;
}

/** Every refresh token a session was given; only the hash is kept, and a spent one is never valid again. */
@Entity({ schema: 'accounts', tableName: 'refresh_tokens' })
export class RefreshTokenRecord {
  @PrimaryKey({ type: 'text', fieldName: 'token_hash' }) tokenHash!: string;
  @Property({ type: 'uuid', fieldName: 'session_id' }) sessionId!: string;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'expires_at' }) expiresAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'spent_at', nullable: true }) spentAt!: Date | null;
}

/** TOTP second factor of a user: pending until confirmed with a first code. */
@Entity({ schema: 'accounts', tableName: 'two_factor' })
export class TwoFactorRecord {
  @PrimaryKey({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'text', hidden: true }) secret!: string;
  @Property({ type: 'timestamptz', fieldName: 'enabled_at', nullable: true }) enabledAt!: Date | null;
  /** The last 30-second step a code was accepted for: a code is never accepted twice. */
  @Property({ type: 'integer', fieldName: 'last_used_step', nullable: true }) lastUsedStep!: number | null;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
}

/** Single-use recovery codes, stored as hashes. */
@Entity({ schema: 'accounts', tableName: 'recovery_codes' })
export class RecoveryCodeRecord {
  @PrimaryKey({ type: 'text', fieldName: 'code_hash' }) codeHash!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'used_at', nullable: true }) usedAt!: Date | null;
}

/** A password that was right for an account with 2FA on: the code must follow within minutes. */
@Entity({ schema: 'accounts', tableName: 'login_challenges' })
export class LoginChallengeRecord {
  @PrimaryKey({ type: 'text', fieldName: 'challenge_hash' }) challengeHash!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'timestamptz', fieldName: 'expires_at' }) expiresAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'used_at', nullable: true }) usedAt!: Date | null;
}


