import { AuditEntryRecord } from './audit';
import { KycRecord } from './kyc';
import { LoginChallengeRecord, RecoveryCodeRecord, RefreshTokenRecord, SessionRecord, TwoFactorRecord } from './sessions';
import { SigningKeyRecord, UserRecord } from './users';
import { ApiKeyRecord, EmbeddedWalletKeyRecord, WalletRecord } from './wallets';
import { WebhookEndpointRecord } from './webhooks';

export * from './audit';
export * from './kyc';
export * from './sessions';
export * from './users';
export * from './wallets';
export * from './webhooks';

/** Every table of accounts that MikroORM maps (nonces and OIDC state are plain SQL: infra/nonces.ts, infra/oidc-store.ts). */
export const entities = [
  UserRecord,
  SigningKeyRecord,
  WalletRecord,
  ApiKeyRecord,
  EmbeddedWalletKeyRecord,
  SessionRecord,
  RefreshTokenRecord,
  TwoFactorRecord,
  RecoveryCodeRecord,
  LoginChallengeRecord,
  AuditEntryRecord,
  KycRecord,
  WebhookEndpointRecord,
];
