import { isProduction, portOf, redisUrl } from '@tradegraph/shared';
import {
  ATTEMPT_KINDS,
  DEFAULT_ATTEMPT_LIMITS,
  DEFAULT_SIGN_UP_LIMITS,
  type AttemptKind,
  type AttemptLimits,
  type SignUpLimits,
} from '../domain/attempts';
import { parseKycKeyring, type KycKeyring } from '../domain/kyc/crypto';
import { parseOidcProviders, type OidcProviderConfig } from '../domain/oidc';
import { referralRevenueShare } from '../domain/referrals';
import { adminEmails } from '../domain/roles';
import { DEFAULT_SESSION_LIFETIMES, type SessionLifetimes } from '../domain/sessions';
import { parseSiweSettings, type SiweSettings } from '../domain/siwe';
import { DEFAULT_SIGNING_KEY_MAX_AGE_SECONDS } from '../domain/tokens';
import type { EmbeddedWalletSettings } from '../infra/embedded-wallets';

/**
 * Everything accounts is configured with, read from the environment once, when the process
 * starts (`readAccountsSettings()` from prepare()); the domain gets these values as arguments.
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
}

type Env = Record<string, string | undefined>;

/** Unset and empty are the same: not configured. */
const text = (env: Env, name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);

/** A positive integer setting, or `fallback` when unset or not one. */
function positiveInt(env: Env, name: string, fallback: number): number {
  const value = Number(env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function attemptLimits(env: Env, kind: AttemptKind): AttemptLimits {
  const prefix = `RATE_LIMIT_${kind.replace('-', '_').toUpperCase()}_`;
  const d = DEFAULT_ATTEMPT_LIMITS[kind];
  return {
    perAccountIp: positiveInt(env, `${prefix}PER_ACCOUNT_IP`, d.perAccountIp),
    perAccount: positiveInt(env, `${prefix}PER_ACCOUNT`, d.perAccount),
    perIp: positiveInt(env, `${prefix}PER_IP`, d.perIp),
    windowSeconds: positiveInt(env, `${prefix}WINDOW_SECONDS`, d.windowSeconds),
  };
}

/** The attempt and sign-up limits (RATE_LIMIT_*), defaults in domain/attempts.ts. */
export function readAttemptSettings(env: Env = process.env): Pick<AccountsSettings, 'attempts' | 'signUps'> {
  return {
    attempts: Object.fromEntries(ATTEMPT_KINDS.map((kind) => [kind, attemptLimits(env, kind)])) as Record<AttemptKind, AttemptLimits>,
    signUps: {
      perIp: positiveInt(env, 'RATE_LIMIT_SIGNUP_PER_IP', DEFAULT_SIGN_UP_LIMITS.perIp),
      windowSeconds: positiveInt(env, 'RATE_LIMIT_SIGNUP_WINDOW_SECONDS', DEFAULT_SIGN_UP_LIMITS.windowSeconds),
    },
  };
}

export function readAccountsSettings(env: Env = process.env): AccountsSettings {
  const production = isProduction();
  return {
    redisUrl: redisUrl(),
    sessions: {
      sessionTtlSeconds: positiveInt(env, 'SESSION_TTL_SECONDS', DEFAULT_SESSION_LIFETIMES.sessionTtlSeconds),
      refreshTokenTtlSeconds: positiveInt(env, 'REFRESH_TOKEN_TTL_SECONDS', DEFAULT_SESSION_LIFETIMES.refreshTokenTtlSeconds),
    },
    signingKeyMaxAgeSeconds: positiveInt(env, 'SIGNING_KEY_MAX_AGE_SECONDS', DEFAULT_SIGNING_KEY_MAX_AGE_SECONDS),
    ...readAttemptSettings(env),
    adminEmails: adminEmails(env.ADMIN_EMAILS),
    referralRevenueShare: referralRevenueShare(env.REFERRAL_REVENUE_SHARE),
    siwe: parseSiweSettings(
      {
        domain: text(env, 'SIWE_DOMAIN'),
        uri: text(env, 'SIWE_URI'),
        chainIds: text(env, 'SIWE_CHAIN_IDS'),
        nonceTtlSeconds: text(env, 'SIWE_NONCE_TTL_SECONDS'),
      },
      `localhost:${portOf('gateway')}`,
    ),
    oidcProviders: parseOidcProviders(env.OIDC_PROVIDERS, production),
    kycKeyring: parseKycKeyring(env.KYC_ENCRYPTION_KEYS, env.NODE_ENV === 'production'),
    kycProvider: env.KYC_PROVIDER ?? 'local',
    embeddedWallets: {
      provider: env.EMBEDDED_WALLET_PROVIDER || 'local',
      keys: env.EMBEDDED_WALLET_KEYS,
      production,
      privy: { appId: env.PRIVY_APP_ID, appSecret: env.PRIVY_APP_SECRET, apiUrl: env.PRIVY_API_URL },
    },
  };
}
