import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

export type WalletKind = 'EXTERNAL' | 'EMBEDDED';

/** A wallet linked to a user; an address belongs to at most one user (unique). */
@Entity({ schema: 'accounts', tableName: 'wallets' })
export class WalletRecord {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  /** Lower-case hex, so one address is one row whatever checksum casing a client sends. */
  @Property({ type: 'text' }) address!: string;
  @Property({ type: 'text' }) kind!: WalletKind;
  /** For embedded wallets: the provider that holds the key (local, privy, dynamic). */
  @Property({ type: 'text', nullable: true }) provider!: string | null;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
}

/** An integrator's key. Only a hash of the secret is stored; the secret is shown once. */
@Entity({ schema: 'accounts', tableName: 'api_keys' })
export class ApiKeyRecord {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid', fieldName: 'user_id' }) userId!: string;
  @Property({ type: 'text' }) label!: string;
  /** The first characters of the secret, so a user can tell keys apart without the secret. */
  @Property({ type: 'text' }) prefix!: string;
  @Property({ type: 'blob', fieldName: 'secret_hash', hidden: true }) secretHash!: Buffer;
  @Property({ type: 'text[]' }) scopes!: string[];
  @Property({ type: 'text[]', fieldName: 'ip_allow_list' }) ipAllowList!: string[];
  @Property({ type: 'timestamptz', fieldName: 'expires_at', nullable: true }) expiresAt!: Date | null;
  @Property({ type: 'timestamptz', fieldName: 'revoked_at', nullable: true }) revokedAt!: Date | null;
  @Property({ type: 'timestamptz', fieldName: 'last_used_at', nullable: true }) lastUsedAt!: Date | null;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
}

/** Sealed key material of an embedded wallet we hold; never loaded with wallets, never in the API. */
@Entity({ schema: 'accounts', tableName: 'embedded_wallet_keys' })
export class EmbeddedWalletKeyRecord {
  @PrimaryKey({ type: 'uuid', fieldName: 'wallet_id' }) walletId!: string;
  @Property({ type: 'text', fieldName: 'key_id' }) keyId!: string;
  @Property({ type: 'blob', hidden: true }) iv!: Buffer;
  @Property({ type: 'blob', hidden: true }) ciphertext!: Buffer;
  @Property({ type: 'blob', fieldName: 'auth_tag', hidden: true }) authTag!: Buffer;
  @Property({ type: 'timestamptz', fieldName: 'created_at' }) createdAt!: Date;
}
