import type express from 'express';
import { JWKS_PATH } from '@tradegraph/shared';
import type { AccountsServices } from '../app/services';

/** The public keys every verifier (gateway, subgraphs) checks access tokens against. */
export function jwksRoute(app: express.Express, services: AccountsServices): void {
  app.get(JWKS_PATH, async (_req, res) => {
    res.set('cache-control', 'public, max-age=300').json(await services.signingKeys.jwks());
  });
}
