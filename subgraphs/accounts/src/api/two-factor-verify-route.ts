import express from 'express';
import {
  TWO_FACTOR_VERIFY_PATH,
  isInternalCaller,
  type SubgraphPlatform,
  type TwoFactorVerified,
  type TwoFactorVerifyRefused,
} from '@tradegraph/shared';
import { DomainError } from '@tradegraph/shared/domain';
import { verifySecondFactorFor } from '../app/two-factor';
import type { AccountsServices } from '../app/services';

/**
 * `POST /internal/two-factor/verify` (shared/src/contracts/accounts-two-factor.ts): another
 * subgraph checks a user's second factor before a sensitive action (funding's withdrawals).
 * Internal credential required. Guarded by the `two-factor` attempt counters like accounts' own
 * checks, so guessing through funding costs the same as guessing here.
 */
export function twoFactorVerifyRoute(app: express.Express, { orm, logger }: SubgraphPlatform, services: AccountsServices): void {
  app.post(TWO_FACTOR_VERIFY_PATH, express.json({ limit: '4kb' }), async (req, res) => {
    if (!isInternalCaller(req.headers)) return void res.status(403).json({ error: 'not an internal caller' });
    const { userId, code, ip } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof userId !== 'string' || !/^[0-9a-f-]{36}$/i.test(userId) || typeof code !== 'string' || code.length === 0 || code.length > 64) {
      return void res.status(400).json({ code: 'BAD_USER_INPUT', message: 'userId (a UUID) and code are required' } satisfies TwoFactorVerifyRefused);
    }
    try {
      const verdict = await verifySecondFactorFor(orm.em.fork(), services.attempts, userId, code, typeof ip === 'string' ? ip.slice(0, 64) : undefined);
      res.json({ verdict } satisfies TwoFactorVerified);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'RATE_LIMITED') {
        const retryAfterSeconds = Number(error.details.retryAfterSeconds ?? 60);
        return void res.status(429).json({ code: 'RATE_LIMITED', message: error.message, retryAfterSeconds } satisfies TwoFactorVerifyRefused);
      }
      logger.error({ err: error }, 'two-factor verification failed');
      res.status(503).json({ code: 'SERVICE_UNAVAILABLE', message: 'not checked; try again' } satisfies TwoFactorVerifyRefused);
    }
  });
}
