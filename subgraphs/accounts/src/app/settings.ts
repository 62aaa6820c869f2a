import { config, gatewayPublicUrl, isProduction, type Config } from '@tradegraph/shared';
import { ATTEMPT_KINDS, type AttemptKind, type AttemptLimits, type SignUpLimits } from '../domain/attempts';
import { parseKycKeyring, type KycKeyring } from '../domain/kyc/crypto';
import { parseOidcProviders, type OidcProviderConfig } from '../domain/oidc';
import { referralRevenueShare } from '../domain/referrals';
import { adminEmails } from '../domain/roles';
import type { SessionLifetimes } from '../domain/sessions';
import { parseSiweSettings, type SiweSettings } from '../domain/siwe';
import type { EmbeddedWalletSettings } from '../infra/embedded-wallets';
import { parseWebhookKeyring, type WebhookKeyring } from '../domain/webhooks/secrets';
import type { RetrySchedule } from '../domain/webhooks/retries';
import type { TargetRules } from '../domain/webhooks/targets';

/**
 * Everything accounts is configured with, taken from the process's configuration (shared config)
 * once, when the process starts (`readAccountsSettings()` from prepare()); the domain gets these
 * values as arguments.
 */
export interface AccountsSettings {
  redisUrl: string | undefined;
  sessions: SessionLifetimes;
  signingKeyMaxAgeSeconds: number;
  attempts: Record<AttemptKind, AttemptLimits>;
  signUps: SignUpLimits;
  /** ADMIN_EMAILS: addresses whose new accounts are admins. */
  adminEmails: ReadonlySet<string>;
  /** REFERRAL_REVENUE_SHARE, as a decimal string. */
  referralRevenueShare: string;
  siwe: SiweSettings;
  /** OIDC_PROVIDERS, by name. */
  oidcProviders: ReadonlyMap<string, OidcProviderConfig>;
  /** KYC_ENCRYPTION_KEYS: refuses to start in production without keys. */
  kycKeyring: KycKeyring;
  /** KYC_PROVIDER. */
  kycProvider: string;
  embeddedWallets: EmbeddedWalletSettings;
  webhooks: WebhookSettings;
}

/** Webhooks (WEBHOOK_*): see the README's *Webhooks* and its Environment rows. */
export interface WebhookSettings {
  /** WEBHOOK_SECRET_KEYS: refuses to start in production without keys. */
  keyring: WebhookKeyring;
  rules: TargetRules;
  schedule: RetrySchedule;
  timeoutMs: number;
  /** WEBHOOK_LEASE_GRACE_MS: a claim's lease is twice the timeout plus this. */
  leaseGraceMs: number;
  maxResponseBytes: number;
  concurrency: number;
  pollIntervalMs: number;
  /** WEBHOOK_RETENTION_MS: how long finished events and their delivery log are kept. */
  retentionMs: number;
}

export function readWebhookSettings(settings: Config = config()): WebhookSettings {
  const production = isProduction(settings);
  return {
    keyring: parseWebhookKeyring(settings.WEBHOOK_SECRET_KEYS, production),
    rules: { httpsOnly: production, allowPrivate: settings.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? !production },
    schedule: { baseMs: settings.WEBHOOK_RETRY_BASE_MS, maxMs: settings.WEBHOOK_RETRY_MAX_MS, giveUpAfterMs: settings.WEBHOOK_GIVE_UP_AFTER_MS },
    timeoutMs: settings.WEBHOOK_TIMEOUT_MS,
    leaseGraceMs: settings.WEBHOOK_LEASE_GRACE_MS,
    maxResponseBytes: settings.WEBHOOK_RESPONSE_MAX_BYTES,
    concurrency: settings.WEBHOOK_WORKER_CONCURRENCY,
    pollIntervalMs: settings.WEBHOOK_POLL_INTERVAL_MS,
    retentionMs: settings.WEBHOOK_RETENTION_MS,
  };
}

const ATTEMPT_VARIABLE: Record<AttemptKind, 'LOGIN' | 'TWO_FACTOR' | 'SIWE'> = { login: 'LOGIN', 'two-factor': 'TWO_FACTOR', siwe: 'SIWE' };

function attemptLimits(settings: Config, kind: AttemptKind): AttemptLimits {
  const name = ATTEMPT_VARIABLE[kind];
  return {
    perAccountIp: settings[`RATE_LIMIT_${name}_PER_ACCOUNT_IP`],
    perAccount: settings[`RATE_LIMIT_${name}_PER_ACCOUNT`],
    perIp: settings[`RATE_LIMIT_${name}_PER_IP`],
    windowSeconds: settings[`RATE_LIMIT_${name}_WINDOW_SECONDS`],
  };
}

/** The attempt and sign-up limits (RATE_LIMIT_*). */
export function readAttemptSettings(settings: Config = config()): Pick<AccountsSettings, 'attempts' | 'signUps'> {
  return {
    attempts: Object.fromEntries(ATTEMPT_KINDS.map((kind) => [kind, attemptLimits(settings, kind)])) as Record<AttemptKind, AttemptLimits>,
    signUps: { perIp: settings.RATE_LIMIT_SIGNUP_PER_IP, windowSeconds: settings.RATE_LIMIT_SIGNUP_WINDOW_SECONDS },
  };
}

export function readAccountsSettings(settings: Config = config()): AccountsSettings {
  const production = isProduction(settings);
  return {
    redisUrl: settings.REDIS_URL,
    sessions: { sessionTtlSeconds: settings.SESSION_TTL_SECONDS, refreshTokenTtlSeconds: settings.REFRESH_TOKEN_TTL_SECONDS },
    signingKeyMaxAgeSeconds: settings.SIGNING_KEY_MAX_AGE_SECONDS,
    ...readAttemptSettings(settings),
    adminEmails: adminEmails(settings.ADMIN_EMAILS),
    referralRevenueShare: referralRevenueShare(settings.REFERRAL_REVENUE_SHARE),
    siwe: parseSiweSettings(
      {
        domain: settings.SIWE_DOMAIN,
        uri: settings.SIWE_URI,
        chainIds: settings.SIWE_CHAIN_IDS,
        nonceTtlSeconds: String(settings.SIWE_NONCE_TTL_SECONDS),
      },
      // The address the start-up line and the README tell people to open.
      new URL(gatewayPublicUrl(settings)).host,
    ),
    oidcProviders: parseOidcProviders(settings.OIDC_PROVIDERS, production),
    kycKeyring: parseKycKeyring(settings.KYC_ENCRYPTION_KEYS, production),
    kycProvider: settings.KYC_PROVIDER,
    embeddedWallets: {
      provider: settings.EMBEDDED_WALLET_PROVIDER,
      keys: settings.EMBEDDED_WALLET_KEYS,
      production,
      privy: { appId: settings.PRIVY_APP_ID, appSecret: settings.PRIVY_APP_SECRET, apiUrl: settings.PRIVY_API_URL },
    },
    webhooks: readWebhookSettings(settings),
  };
}
