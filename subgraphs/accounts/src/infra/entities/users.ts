import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import type { JWK } from 'jose';
import { newReferralCode } from '../../domain/referrals';

@Entity({ schema: 'accounts', tableName: 'users' })
export class UserRecord {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  /** Stored normalized (trimmed, lower-case) so one mailbox is one account; null for wallet-only users. */
  @Property({ type: 'text', nullable: true }) email!: string | null;
  /** Null for users who sign in only with a wallet or an OIDC issuer. */
  @Property({ type: 'text', fieldName: 'password_hash', hidden: true, nullable: true }) passwordHash!: string | null;
  /** Set when the account is made (app/users.ts: `user`, plus `admin` for an ADMIN_EMAILS address). */
  @Property({ type: 'text[]' }) roles!: string[];
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
  /** Made for every new user, whichever way they sign up (password, wallet, OIDC). */
  @Property({ type: 'text', fieldName: 'referral_code', onCreate: () => newReferralCode() }) referralCode!: Opt<string>;
  /** The user whose referral code this user signed up with. */
  @Property({ type: 'uuid', fieldName: 'referred_by', nullable: true }) referredById?: string | null;
}

/** Token signing keys. The newest active key signs; every unretired key is published in the JWKS. */
@Entity({ schema: 'accounts', tableName: 'signing_keys' })
export class SigningKeyRecord {
  @PrimaryKey({ type: 'text' }) kid!: string;
  @Property({ type: 'json', fieldName: 'public_jwk' }) publicJwk!: JWK;
  @Property({ type: 'json', fieldName: 'private_jwk', hidden: true }) privateJwk!: JWK;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
  @Property({ type: 'timestamptz', fieldName: 'retired_at', nullable: true }) retiredAt!: Date | null;
}
