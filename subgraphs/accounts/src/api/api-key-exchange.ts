import express from 'express';
import { API_KEY_EXCHANGE_PATH, isInternalCaller, type SubgraphPlatform } from '@tradegraph/shared';
import { exchangeApiKey } from '../app/api-keys';
import type { AccountsServices } from '../app/services';

/**
 * The route believes the caller's word about the client's address (the key's IP allow-list), so
 * only the gateway may call it: the internal credential is required (shared internal-token.ts;
 * the subgraph's server refuses requests without it before they get here, and so does this).
 */
export function internalCallerAllowed(req: express.Request): boolean {
  return isInternalCaller(req.headers);
}

/**
 * POST {apiKey, ip} → 200 {accessToken, expiresAt, scopes, apiKeyId} or 401 {error}
 * (shared/src/contracts/accounts-api-keys.ts); the checks are app/api-keys.ts's exchangeApiKey.
 */
export function apiKeyExchangeRoute(app: express.Express, { orm, logger }: SubgraphPlatform, services: AccountsServices): void {
  app.post(API_KEY_EXCHANGE_PATH, express.json({ limit: '8kb' }), async (req, res) => {
    if (!internalCallerAllowed(req)) return void res.status(403).json({ error: 'not an internal caller' });
    const { apiKey, ip } = (req.body ?? {}) as { apiKey?: unknown; ip?: unknown };
    if (typeof apiKey !== 'string') return void res.status(401).json({ error: 'The API key is not valid' });
    try {
      const answer = await exchangeApiKey(orm, services, logger, apiKey, typeof ip === 'string' ? ip : undefined);
      if ('refused' in answer) return void res.status(401).json({ error: answer.refused });
      res.json(answer.granted);
    } catch (error) {
      logger.error({ err: error }, 'api key exchange failed');
      res.status(500).json({ error: 'exchange failed' });
    }
  });
}
