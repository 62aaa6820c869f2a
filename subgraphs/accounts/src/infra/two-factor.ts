import type { EntityManager } from '@tradegraph/shared';
import { hashRecoveryCode, isTotpCode, totpStep } from '../domain/two-factor';
import { RecoveryCodeRecord, TwoFactorRecord } from './entities/sessions';

/** Whether the user has a confirmed second factor. */
export async function hasTwoFactor(em: EntityManager, userId: string): Promise<boolean> {
  return (await em.fork().count(TwoFactorRecord, { userId, enabledAt: { $ne: null } })) > 0;
}

/**
 * Checks a second factor of a user with 2FA on: a TOTP code (each accepted at most once) or an
 * unused recovery code (spent by this call). False for a wrong code or a user without 2FA.
 * Callers guard it with the `two-factor` attempt counters.
 */
export async function checkSecondFactor(em: EntityManager, userId: string, rawCode: string): Promise<boolean> {
  const fork = em.fork();
  const factor = await fork.findOne(TwoFactorRecord, { userId, enabledAt: { $ne: null } });
  if (!factor) return false;
  const code = rawCode.trim();
  if (isTotpCode(code)) {
    const step = totpStep(factor.secret, code);
    if (step === null) return false;
    // Conditional update: of two requests with the same code, one wins.
    const updated = await fork.nativeUpdate(
      TwoFactorRecord,
      { userId, $or: [{ lastUsedStep: null }, { lastUsedStep: { $lt: step } }] },
      { lastUsedStep: step },
    );
    return updated === 1;
  }
  const spent = await fork.nativeUpdate(
    RecoveryCodeRecord,
    { codeHash: hashRecoveryCode(code), userId, usedAt: null },
    { usedAt: new Date() },
  );
  return spent === 1;
}
