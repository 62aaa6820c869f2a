import express from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { API_KEY_EXCHANGE_PATH, isInternalCaller, type ApiKeyExchangeGranted, type Logger } from '@tradegraph/shared';
import { ApiKeyRecord } from '../store';
import { hashApiKeySecret, ipAllowed, isApiKeySecret, signApiKeyToken } from '../domain/api-keys';
import type { SigningKeys } from '../store/signing-keys';

/**
 * The route believes the caller's word about the client's address (the key's IP allow-list), so
 * only the gateway may call it: the internal credential is required (shared internal-token.ts;
 * the subgraph's server refuses requests without it before they get here, and so does this).
 */
export function internalCallerAllowed(req: express.Request): boolean {
  return isInternalCaller(req.headers);
}

/**
 * POST {apiKey, ip} → 200 {accessToken, expiresAt, scopes, apiKeyId} or 401 {error}. Checks
 * revocation, expiry and the IP allow-list here on every exchange, and records lastUsedAt.
 */
export function apiKeyExchangeRoute(app: express.Express, orm: MikroORM, keys: () => SigningKeys, logger: Logger): void {
  app.post(API_KEY_EXCHANGE_PATH, express.json({ limit: '8kb' }), async (req, res) => {
    if (!internalCallerAllowed(req)) return void res.status(403).json({ error: 'not an internal caller' });
    const { apiKey, ip } = (req.body ?? {}) as { apiKey?: unknown; ip?: unknown };
    const refuse = (reason: string) => res.status(401).json({ error: reason });
    if (typeof apiKey !== 'string' || !isApiKeySecret(apiKey)) return void refuse('The API key is not valid');
    try {
      const em = orm.em.fork();
      const record = await em.findOne(ApiKeyRecord, { secretHash: hashApiKeySecret(apiKey) });
      if (!record) return void refuse('The API key is not valid');
      if (record.revokedAt) return void refuse('The API key was revoked');
      const now = new Date();
      if (record.expiresAt && record.expiresAt <= now) return void refuse('The API key has expired');
      const clientIp = typeof ip === 'string' ? ip : undefined;
      if (!ipAllowed(record.ipAllowList, clientIp)) {
        logger.info({ apiKeyId: record.id, ip: clientIp }, 'api key used from an address outside its allow-list');
        return void refuse('The API key may not be used from this address');
      }
      await em.nativeUpdate(ApiKeyRecord, { id: record.id }, { lastUsedAt: now });
      const { token, expiresAt } = await signApiKeyToken(await keys().activeKey(), {
        userId: record.userId,
        apiKeyId: record.id,
        scopes: record.scopes,
      });
      res.json({ accessToken: token, expiresAt: expiresAt.toISOString(), scopes: record.scopes, apiKeyId: record.id } satisfies ApiKeyExchangeGranted);
    } catch (error) {
      logger.error({ err: error }, 'api key exchange failed');
      res.status(500).json({ error: 'exchange failed' });
    }
  });
}
