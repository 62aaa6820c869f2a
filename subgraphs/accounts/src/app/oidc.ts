import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { unauthenticated } from '../domain/errors';
import { providerNamed, stateOf, type OidcIdentity } from '../domain/oidc';
import { UserRecord } from '../infra/entities/users';
import { linkIdentity, linkedUserId, savePendingSignIn, spendPendingSignIn } from '../infra/oidc-store';
import type { Caller } from './caller';
import { signInOrChallenge, type IssuedTokens, type SecondFactorChallenge } from './sessions';
import { newUser } from './users';

/** How long a started sign-in may take (the user logging in at the issuer). */
const PENDING_TTL_SECONDS = 10 * 60;

/** Names of the configured OIDC providers (for sign-in buttons). */
export const oidcProviderNames = (ctx: Pick<Caller, 'services'>): string[] => [...ctx.services.settings.oidcProviders.keys()];

/** Step 1 of OIDC sign-in: where to send the user (PKCE and nonce stay on the server). */
export async function startOidcSignIn(ctx: Caller, name: string): Promise<{ authorizationUrl: string; state: string; expiresAt: Date }> {
  const provider = providerNamed(ctx.services.settings.oidcProviders, name);
  const pending = await ctx.services.oidc.beginSignIn(provider);
  const expiresAt = new Date(Date.now() + PENDING_TTL_SECONDS * 1000);
  await savePendingSignIn(ctx.em, { state: pending.state, provider: provider.name, codeVerifier: pending.codeVerifier, nonce: pending.nonce, expiresAt });
  return { authorizationUrl: pending.authorizationUrl, state: pending.state, expiresAt };
}

/** Step 2: the URL the issuer redirected the user to; signs in, linking by verified email. */
export async function completeOidcSignIn(ctx: Caller, name: string, callbackUrl: string): Promise<IssuedTokens | SecondFactorChallenge> {
  const provider = providerNamed(ctx.services.settings.oidcProviders, name);
  const state = stateOf(callbackUrl);
  // Single use: the state is spent whether or not the code then redeems.
  const pending = await spendPendingSignIn(ctx.em, state, provider.name);
  if (!pending) throw unauthenticated('This sign-in is unknown, expired or already completed; start again');
  const identity = await ctx.services.oidc.finishSignIn(provider, callbackUrl, { state, ...pending });
  return signInOrChallenge(await accountFor(ctx, identity), ctx);
}

/**
 * The account an identity signs in to: the one already linked to it; else the account whose
 * email the issuer says it verified; else a new account (with the email only when verified).
 * An unverified email never links: anyone can type someone else's address at some issuer.
 */
async function accountFor(ctx: Caller, identity: OidcIdentity): Promise<UserRecord> {
  const linked = await linkedUserId(ctx.em, identity.provider, identity.subject);
  if (linked !== undefined) {
    const user = await ctx.em.findOne(UserRecord, { id: linked });
    if (!user) throw unauthenticated('The account of this identity no longer exists');
    return user;
  }
  const verifiedEmail = identity.emailVerified ? identity.email : null;
  let user = verifiedEmail ? await ctx.em.findOne(UserRecord, { email: verifiedEmail }) : null;
  if (!user) {
    user = newUser(ctx.em, ctx.services.settings, { email: verifiedEmail, passwordHash: null });
    try {
      await ctx.em.persistAndFlush(user);
    } catch (error) {
      // Someone signed up with this verified email a moment ago: that is the account.
      if (!(error instanceof UniqueConstraintViolationException) || !verifiedEmail) throw error;
      ctx.em.clear();
      user = await ctx.em.findOneOrFail(UserRecord, { email: verifiedEmail });
    }
    ctx.logger.info({ userId: user.id, provider: identity.provider }, 'user signed up with OIDC');
  }
  await linkIdentity(ctx.em, identity, user.id);
  // If a concurrent callback linked the identity first, sign in to what it linked.
  const winner = (await linkedUserId(ctx.em, identity.provider, identity.subject))!;
  return winner === user.id ? user : ctx.em.findOneOrFail(UserRecord, { id: winner });
}
