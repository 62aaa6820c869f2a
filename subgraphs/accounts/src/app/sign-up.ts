import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { checkPasswordStrength, normalizeEmail } from '../domain/email';
import { conflict } from '../domain/errors';
import type { Caller } from './caller';
import { startSession, type IssuedTokens } from './sessions';
import { newUser, referrerOf } from './users';

/** An account with email and password, signed in at once. */
export async function signUp(ctx: Caller, rawEmail: string, password: string, referralCode?: string | null): Promise<IssuedTokens> {
  await ctx.services.attempts.guardSignUp(ctx.clientIp);
  const email = normalizeEmail(rawEmail);
  checkPasswordStrength(password);
  const referrer = await referrerOf(ctx.em, referralCode);
  const user = newUser(ctx.em, ctx.services.settings, {
    referredById: referrer?.id ?? null,
    email,
    passwordHash: await ctx.services.passwords.hash(password),
  });
  try {
    await ctx.em.persistAndFlush(user);
  } catch (error) {
    // This says the email has an account: signUp answers with a session at once, so without an
    // email-verification step it cannot answer alike for both. Probing is slowed by the
    // per-address sign-up limit (guardSignUp); login answers alike for unknown emails.
    if (error instanceof UniqueConstraintViolationException) throw conflict('An account with this email exists');
    throw error;
  }
  ctx.logger.info({ userId: user.id }, 'user signed up');
  // A new account has no second factor yet: straight to a session.
  return startSession(user, ctx);
}
