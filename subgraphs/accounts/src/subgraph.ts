import { JWKS_PATH, type SubgraphContext, type SubgraphDefinition } from '@tradegraph/shared';
import { ApiKeyRecord, EmbeddedWalletKeyRecord, SigningKeyRecord, UserRecord, WalletRecord, createLoaders, migrations, type AccountsLoaders } from './store';
import { SigningKeys } from './store/signing-keys';
import { UserResolver, keyStore } from './schema/resolvers';
import { WalletResolver } from './schema/wallet-resolvers';
import { ApiKeyResolver } from './schema/api-key-resolvers';
import { apiKeyExchangeRoute } from './schema/api-key-exchange';
import { OidcResolver } from './schema/oidc-resolvers';
import { EmbeddedWalletResolver } from './schema/embedded-wallet-resolvers';
import { sessionEntities } from './store/session-entities';
import { closeAttemptStore } from './domain/attempts';
import { adminAuditRoute } from './schema/admin-audit-route';
import { AdminResolver } from './schema/admin-resolvers';
import { KycResolver, UserKycResolver } from './schema/kyc-resolvers';
import { ReferralResolver } from './schema/referral-resolvers';
import { AuditEntryRecord, KycRecord } from './store';
import { kycKeyring } from './domain/kyc/crypto';
import { SessionResolver, TwoFactorResolver } from './schema/session-resolvers';
import { SigningKeyResolver } from './schema/signing-key-resolvers';
import { announceRecentlyEndedSessions, startSessionSweeper } from './store/session-sweeper';
import { ACCESS_TOKEN_TTL_SECONDS } from './domain/tokens';

type Context = SubgraphContext<AccountsLoaders>;

export const definition: SubgraphDefinition<AccountsLoaders> = {
  name: 'accounts',
  resolvers: [UserResolver, SessionResolver, TwoFactorResolver, SigningKeyResolver, WalletResolver, ApiKeyResolver, OidcResolver, EmbeddedWalletResolver, AdminResolver, KycResolver, UserKycResolver, ReferralResolver],
  entities: [UserRecord, SigningKeyRecord, WalletRecord, ApiKeyRecord, EmbeddedWalletKeyRecord, ...sessionEntities, AuditEntryRecord, KycRecord],
  migrations,
  createLoaders,
  referenceResolvers: {
    User: { __resolveReference: (ref: { id: string }, ctx: Context) => ctx.loaders.userById.load(ref.id) },
  },
  routes: (app, { orm, logger }) => {
    keyStore.current = new SigningKeys(orm);
    apiKeyExchangeRoute(app, orm, () => keyStore.current!, logger);
    adminAuditRoute(app, orm, logger);
    // The public keys every verifier (gateway, subgraphs) checks access tokens against.
    app.get(JWKS_PATH, async (_req, res) => {
      res.set('cache-control', 'public, max-age=300').json(await keyStore.current!.jwks());
    });
  },
  start: async ({ orm, logger }) => {
    // Refuses to start without usable KYC keys (in production: without configured ones).
    kycKeyring();
    await keyStore.current!.activeKey();
    await announceRecentlyEndedSessions(orm, ACCESS_TOKEN_TTL_SECONDS);
    const stopSweeper = startSessionSweeper(orm, logger);
    return async () => {
      stopSweeper();
      await closeAttemptStore();
    };
  },
};
