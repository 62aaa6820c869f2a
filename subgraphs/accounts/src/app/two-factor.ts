import type { Viewer } from '@tradegraph/shared';
import { badInput, conflict, forbidden, unauthenticated } from '../domain/errors';
import { hashRecoveryCode, newRecoveryCodes, newTotpSecret, totpStep } from '../domain/two-factor';
import { RecoveryCodeRecord, TwoFactorRecord } from '../infra/entities/sessions';
import { UserRecord } from '../infra/entities/users';
import { checkSecondFactor, hasTwoFactor } from '../infra/two-factor';
import type { Caller } from './caller';
import { accountEvent } from './account-events';

export { hasTwoFactor };

/** Starts turning on TOTP 2FA: a new secret (replacing an unconfirmed one) and its otpauth:// URI. */
export async function enrolTwoFactor(ctx: Caller, viewer: Viewer): Promise<{ secret: string; otpauthUri: string }> {
  const user = await ctx.em.findOne(UserRecord, { id: viewer.userId });
  if (!user) throw unauthenticated('The account of this token no longer exists');
  const existing = await ctx.em.findOne(TwoFactorRecord, { userId: user.id });
  if (existing?.enabledAt) throw conflict('Two-factor authentication is already on; disable it first');
  const { secret, uri } = newTotpSecret(user.email ?? user.id);
  if (existing) {
    // A new enrolment replaces an unconfirmed one (a lost QR code, another app).
    existing.secret = secret;
    existing.createdAt = new Date();
  } else {
    ctx.em.create(TwoFactorRecord, { userId: user.id, secret, enabledAt: null, lastUsedStep: null, createdAt: new Date() });
  }
  await ctx.em.flush();
  return { secret, otpauthUri: uri };
}

/** Turns 2FA on with a first code; answers the recovery codes, once. */
export async function confirmTwoFactor(ctx: Caller, viewer: Viewer, code: string): Promise<{ recoveryCodes: string[] }> {
  return ctx.services.attempts.guard('two-factor', { account: viewer.userId, ip: ctx.clientIp }, async () => {
    const pending = await ctx.em.findOne(TwoFactorRecord, { userId: viewer.userId });
    if (!pending) throw conflict('Start with enrolTwoFactor');
    if (pending.enabledAt) throw conflict('Two-factor authentication is already on');
    const step = totpStep(pending.secret, code.trim());
    if (step === null) throw badInput('Wrong code', 'code');
    const recoveryCodes = newRecoveryCodes();
    await ctx.em.transactional(async (tx) => {
      const claimed = await tx.nativeUpdate(TwoFactorRecord, { userId: viewer.userId, enabledAt: null }, { enabledAt: new Date(), lastUsedStep: step });
      if (claimed !== 1) throw conflict('Two-factor authentication is already on');
      await tx.nativeDelete(RecoveryCodeRecord, { userId: viewer.userId });
      for (const recoveryCode of recoveryCodes) {
        tx.create(RecoveryCodeRecord, { codeHash: hashRecoveryCode(recoveryCode), userId: viewer.userId, createdAt: new Date(), usedAt: null });
      }
      await ctx.services.webhooks.record(tx, [accountEvent('account.two_factor_changed', viewer.userId, { enabled: true, at: new Date().toISOString() })]);
      // On again after being off is a change (the first withdrawal after it is held); a first enrolment is not.
      await tx.execute('update accounts.security_changes set two_factor_changed_at = now() where user_id = ?', [viewer.userId]);
    });
    ctx.services.webhooks.committed();
    ctx.logger.info({ userId: viewer.userId }, 'two-factor authentication on');
    return { recoveryCodes };
  });
}

/** Turns 2FA off with a current TOTP code or a recovery code. */
export async function disableTwoFactor(ctx: Caller, viewer: Viewer, code: string): Promise<boolean> {
  return ctx.services.attempts.guard('two-factor', { account: viewer.userId, ip: ctx.clientIp }, async () => {
    if (!(await hasTwoFactor(ctx.em, viewer.userId))) throw conflict('Two-factor authentication is not on');
    if (!(await checkSecondFactor(ctx.em, viewer.userId, code))) throw badInput('Wrong code', 'code');
    await ctx.em.transactional(async (tx) => {
      await tx.nativeDelete(RecoveryCodeRecord, { userId: viewer.userId });
      await tx.nativeDelete(TwoFactorRecord, { userId: viewer.userId });
      await ctx.services.webhooks.record(tx, [accountEvent('account.two_factor_changed', viewer.userId, { enabled: false, at: new Date().toISOString() })]);
      await tx.execute(
        `insert into accounts.security_changes (user_id, two_factor_changed_at) values (?, now())
         on conflict (user_id) do update set two_factor_changed_at = excluded.two_factor_changed_at`,
        [viewer.userId],
      );
    });
    ctx.services.webhooks.committed();
    ctx.logger.info({ userId: viewer.userId }, 'two-factor authentication off');
    return true;
  });
}

/** With 2FA on, an action such as minting an API key needs the second factor (guarded against guessing). */
export async function requireSecondFactorIfOn(ctx: Caller, userId: string, code: string | null | undefined): Promise<void> {
  if (!(await hasTwoFactor(ctx.em, userId))) return;
  if (!code) throw forbidden('Two-factor authentication is on: give twoFactorCode', { twoFactorRequired: true });
  await ctx.services.attempts.guard('two-factor', { account: userId, ip: ctx.clientIp }, async () => {
    if (!(await checkSecondFactor(ctx.em, userId, code))) {
      throw forbidden('The two-factor code is wrong or was used', { twoFactorRequired: true });
    }
  });
}

/**
 * Another subgraph's check of a user's second factor (api/two-factor-verify-route.ts): `ok`
 * (the code is now used), `wrong`, or `not_enabled`. Guarded by the same attempt counters as
 * accounts' own checks; throws RATE_LIMITED when they are spent.
 */
export async function verifySecondFactorFor(
  em: Caller['em'],
  attempts: Caller['services']['attempts'],
  userId: string,
  code: string,
  ip: string | undefined,
): Promise<'ok' | 'wrong' | 'not_enabled'> {
  if (!(await hasTwoFactor(em, userId))) return 'not_enabled';
  try {
    return await attempts.guard('two-factor', { account: userId, ip }, async () => {
      if (!(await checkSecondFactor(em, userId, code))) throw badInput('Wrong code', 'code');
      return 'ok' as const;
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'BAD_USER_INPUT') return 'wrong';
    throw error;
  }
}
