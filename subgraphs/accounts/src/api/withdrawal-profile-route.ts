import type express from 'express';
import { WITHDRAWAL_PROFILE_PATH, isInternalCaller, type SubgraphPlatform, type WithdrawalProfile } from '@tradegraph/shared';

/**
 * `GET /internal/withdrawal-profile?userId=` (shared/src/contracts/accounts-withdrawal-profile.ts):
 * funding's withdrawal checks read the user's KYC level and when their security settings last
 * changed. Internal credential required; read-only.
 */
export function withdrawalProfileRoute(app: express.Express, { orm, logger }: SubgraphPlatform): void {
  app.get(WITHDRAWAL_PROFILE_PATH, async (req, res) => {
    if (!isInternalCaller(req.headers)) return void res.status(403).json({ error: 'not an internal caller' });
    const userId = typeof req.query.userId === 'string' ? req.query.userId : '';
    if (!/^[0-9a-f-]{36}$/i.test(userId)) return void res.status(400).json({ code: 'BAD_USER_INPUT', message: 'userId (a UUID) is required' });
    try {
      const rows = await orm.em.fork().execute<{ level: number | null; twoFactor: string | null; password: string | null }[]>(
        `select (select level from accounts.kyc where user_id = ?) as level,
                to_json(s.two_factor_changed_at) #>> '{}' as "twoFactor", to_json(s.password_changed_at) #>> '{}' as password
           from (select 1) one left join accounts.security_changes s on s.user_id = ?`,
        [userId, userId],
      );
      const row = rows[0];
      res.json({ userId, kycLevel: Number(row?.level ?? 0), twoFactorChangedAt: row?.twoFactor ?? null, passwordChangedAt: row?.password ?? null } satisfies WithdrawalProfile);
    } catch (error) {
      logger.error({ err: error }, 'withdrawal profile failed');
      res.status(503).json({ code: 'SERVICE_UNAVAILABLE', message: 'not answered; try again' });
    }
  });
}
