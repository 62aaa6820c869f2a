import { withdrawalProfileRoute } from './api/withdrawal-profile-route';
import type { SubgraphDefinition } from '@tradegraph/shared';
import { closeAccountsServices, createAccountsServices, type AccountsServices } from './app/services';
import { entities, migrations, createLoaders, type AccountsLoaders } from './infra';
import { startSessionSweeper } from './infra/session-sweeper';
import { startWebhookRetention } from './infra/webhook-retention';
import { UserResolver } from './api/user-resolvers';
import { SessionResolver, TwoFactorResolver } from './api/session-resolvers';
import { SigningKeyResolver } from './api/signing-key-resolvers';
import { WalletResolver } from './api/wallet-resolvers';
import { ApiKeyResolver } from './api/api-key-resolvers';
import { OidcResolver } from './api/oidc-resolvers';
import { EmbeddedWalletResolver } from './api/embedded-wallet-resolvers';
import { AdminResolver } from './api/admin-resolvers';
import { KycResolver, UserKycResolver } from './api/kyc-resolvers';
import { ReferralResolver } from './api/referral-resolvers';
import { apiKeyExchangeRoute } from './api/api-key-exchange';
import { adminAuditRoute } from './api/admin-audit-route';
import { jwksRoute } from './api/jwks-route';
import { WebhookResolver } from './api/webhook-resolvers';
import { webhookEventsRoute } from './api/webhook-events-route';
import { twoFactorVerifyRoute } from './api/two-factor-verify-route';
import type { Context } from './api/context';

/**
 * Accounts: users, sessions and sign-in methods, API keys, KYC, roles, referrals, the audit log
 * and the keys access tokens are signed with (docs/architecture.md, "Rooms and layers").
 */
export const definition: SubgraphDefinition<AccountsLoaders, AccountsServices> = {
  name: 'accounts',
  resolvers: [UserResolver, SessionResolver, TwoFactorResolver, SigningKeyResolver, WalletResolver, ApiKeyResolver, OidcResolver, EmbeddedWalletResolver, AdminResolver, KycResolver, UserKycResolver, ReferralResolver, WebhookResolver],
  entities,
  migrations,
  webhookOutbox: true,
  createLoaders,
  referenceResolvers: {
    User: { __resolveReference: (ref: { id: string }, ctx: Context) => ctx.loaders.userById.load(ref.id) },
  },
  // Reads the settings (refuses to start without usable KYC keys; in production, without configured ones).
  prepare: async (platform) => createAccountsServices(platform),
  routes: (app, platform, services) => {
    apiKeyExchangeRoute(app, platform, services);
    adminAuditRoute(app, platform);
    jwksRoute(app, services);
    webhookEventsRoute(app, platform, services);
    twoFactorVerifyRoute(app, platform, services);
    withdrawalProfileRoute(app, platform);
  },
  start: async ({ orm, logger }, services) => {
    await services.signingKeys.activeKey();
    await services.sessionRevocations.recentlyEndedSessions(orm);
    const stopSweeper = startSessionSweeper(orm, logger);
    services.webhookDelivery.worker.start();
    const stopRetention = startWebhookRetention(orm, services.settings.webhooks.retentionMs, logger);
    return async () => {
      stopSweeper();
      await stopRetention();
      await services.webhookDelivery.worker.stop();
      await closeAccountsServices(services);
    };
  },
};
