import type { SubgraphPlatform, WebhookOutbox } from '@tradegraph/shared';
import type { EmbeddedWalletProvider } from '../domain/embedded-wallets/port';
import type { KycProvider } from '../domain/kyc/provider';
import { AttemptCounters } from '../infra/attempt-counters';
import { embeddedWalletProvider } from '../infra/embedded-wallets';
import { kycProvider } from '../infra/kyc-provider';
import { OidcClient } from '../infra/oidc-client';
import { Passwords } from '../infra/passwords';
import { SigningKeys } from '../infra/signing-keys';
import { SessionRevocationAnnouncer } from '../events/session-revocations';
import { readAccountsSettings, type AccountsSettings } from './settings';
import { WebhookSender } from '../infra/webhook-sender';
import { WebhookWakeups } from '../events/webhook-wakeups';
import { WebhookWorker } from './webhook-worker';

/**
 * The long-lived services of accounts, made once by prepare() (docs/architecture.md, "Rooms and
 * layers"): resolvers find them in `context.services`, routes and start() receive them.
 */
export interface AccountsServices {
  settings: AccountsSettings;
  passwords: Passwords;
  /** The keys access tokens are signed with, and the JWKS. */
  signingKeys: SigningKeys;
  /** Brute-force counters of logins, second factors, SIWE and sign-ups. */
  attempts: AttemptCounters;
  kycProvider: KycProvider;
  /** The embedded-wallet provider, made on first use (see infra/embedded-wallets). */
  embeddedWallets: () => EmbeddedWalletProvider;
  oidc: OidcClient;
  /** Announces ended sessions to every verifier. */
  sessionRevocations: SessionRevocationAnnouncer;
  /** accounts' webhook outbox (`account.*` events), recorded with the facts (app/account-events.ts). */
  webhooks: WebhookOutbox;
  /** Webhook delivery to endpoints. */
  webhookDelivery: WebhookServices;
}

/** Webhook delivery: the HTTP sender, the worker (started by start()) and its wake-ups between processes. */
export interface WebhookServices {
  sender: WebhookSender;
  worker: WebhookWorker;
  wakeups: WebhookWakeups;
}

function createWebhookServices(platform: SubgraphPlatform, settings: AccountsSettings): WebhookServices {
  const { webhooks } = settings;
  const sender = new WebhookSender({ timeoutMs: webhooks.timeoutMs, maxResponseBytes: webhooks.maxResponseBytes, rules: webhooks.rules, maxSockets: webhooks.concurrency });
  const wakeups = new WebhookWakeups(platform.bus, platform.logger);
  const worker = new WebhookWorker(platform.orm, webhooks, sender, platform.webhooks, wakeups, platform.logger, platform.registry);
  return { sender, worker, wakeups };
}

export function createAccountsServices(platform: SubgraphPlatform, settings = readAccountsSettings()): AccountsServices {
  const { orm, logger, webhooks } = platform;
  let walletProvider: EmbeddedWalletProvider | undefined;
  return {
    settings,
    passwords: new Passwords(),
    signingKeys: new SigningKeys(orm, settings.signingKeyMaxAgeSeconds),
    attempts: new AttemptCounters(settings.attempts, settings.signUps, settings.redisUrl),
    kycProvider: kycProvider(settings.kycProvider),
    embeddedWallets: () => (walletProvider ??= embeddedWalletProvider(settings.embeddedWallets)),
    oidc: new OidcClient(),
    sessionRevocations: new SessionRevocationAnnouncer(logger),
    webhooks,
    webhookDelivery: createWebhookServices(platform, settings),
  };
}

export async function closeAccountsServices(services: AccountsServices): Promise<void> {
  await services.attempts.close();
  services.webhookDelivery.sender.close();
}
