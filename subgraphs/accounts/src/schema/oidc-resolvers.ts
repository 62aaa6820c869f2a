import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { Arg, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Access, DateTimeScalar, unauthenticated, type SubgraphContext } from '@tradegraph/shared';
import { UserRecord, type AccountsLoaders } from '../store';
import { beginSignIn, finishSignIn, oidcProviders, providerNamed, stateOf, type OidcIdentity } from '../domain/oidc';
import { signInOrChallenge } from './session-resolvers';
import { LoginResult, TwoFactorChallenge } from './session-types';
import { AuthPayload } from './types';

type Context = SubgraphContext<AccountsLoaders>;

/** How long a started sign-in may take (the user logging in at the issuer). */
const PENDING_TTL_SECONDS = 10 * 60;

@ObjectType({ description: 'Send the user to authorizationUrl; the issuer redirects back with code and state' })
class OidcAuthorization {
  @Field() authorizationUrl!: string;
  @Field() state!: string;
  @Field(() => DateTimeScalar) expiresAt!: Date;
}

/**
 * The account an identity signs in to: the one already linked to it; else the account whose
 * email the issuer says it verified; else a new account (with the email only when verified).
 * An unverified email never links: anyone can type someone else's address at some issuer.
 */
async function accountFor(ctx: Context, identity: OidcIdentity): Promise<UserRecord> {
  const connection = ctx.em.getConnection();
  const linked = await connection.execute<{ user_id: string }[]>(
    'select user_id from accounts.oidc_identities where provider = ? and subject = ?',
    [identity.provider, identity.subject],
  );
  if (linked.length > 0) {
    const user = await ctx.em.findOne(UserRecord, { id: linked[0].user_id });
    if (!user) throw unauthenticated('The account of this identity no longer exists');
    return user;
  }
  const verifiedEmail = identity.emailVerified ? identity.email : null;
  let user = verifiedEmail ? await ctx.em.findOne(UserRecord, { email: verifiedEmail }) : null;
  if (!user) {
    user = ctx.em.create(UserRecord, {
      id: randomUUID(),
      email: verifiedEmail,
      passwordHash: null,
      roles: ['user'],
      createdAt: new Date(),
    });
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
  await connection.execute(
    'insert into accounts.oidc_identities (provider, subject, user_id, email) values (?, ?, ?, ?) on conflict (provider, subject) do nothing',
    [identity.provider, identity.subject, user.id, identity.email],
  );
  // If a concurrent callback linked the identity first, sign in to what it linked.
  const [row] = await connection.execute<{ user_id: string }[]>(
    'select user_id from accounts.oidc_identities where provider = ? and subject = ?',
    [identity.provider, identity.subject],
  );
  return row.user_id === user.id ? user : ctx.em.findOneOrFail(UserRecord, { id: row.user_id });
}

@Resolver()
export class OidcResolver {
  @Access('public')
  @Query(() => [String], { description: 'Names of the OIDC providers configured here (for sign-in buttons)' })
  oidcProviders(): string[] {
    return [...oidcProviders().keys()];
  }

  @Access('public')
  @Mutation(() => OidcAuthorization, { description: 'Step 1 of OIDC sign-in: where to send the user (PKCE and nonce stay on the server)' })
  async startOidcSignIn(@Arg('provider') name: string, @Ctx() ctx: Context): Promise<OidcAuthorization> {
    const provider = providerNamed(name);
    const pending = await beginSignIn(provider);
    const expiresAt = new Date(Date.now() + PENDING_TTL_SECONDS * 1000);
    const connection = ctx.em.getConnection();
    await connection.execute(`delete from accounts.oidc_pending where expires_at < now() - interval '1 hour'`);
    await connection.execute(
      'insert into accounts.oidc_pending (state, provider, code_verifier, nonce, expires_at) values (?, ?, ?, ?, ?)',
      [pending.state, provider.name, pending.codeVerifier, pending.nonce, expiresAt],
    );
    return { authorizationUrl: pending.authorizationUrl, state: pending.state, expiresAt };
  }

  @Access('public')
  @Mutation(() => LoginResult, {
    description:
      'Step 2: the URL the issuer redirected the user to (with code and state); signs in, linking by verified email; with 2FA on, a challenge for `completeLogin`',
  })
  async completeOidcSignIn(
    @Arg('provider') name: string,
    @Arg('callbackUrl') callbackUrl: string,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload | TwoFactorChallenge> {
    const provider = providerNamed(name);
    const state = stateOf(callbackUrl);
    // Single use: the state is spent whether or not the code then redeems.
    const [pending] = await ctx.em
      .getConnection()
      .execute<{ code_verifier: string; nonce: string }[]>(
        'update accounts.oidc_pending set used_at = now() where state = ? and provider = ? and used_at is null and expires_at > now() returning code_verifier, nonce',
        [state, provider.name],
      );
    if (!pending) throw unauthenticated('This sign-in is unknown, expired or already completed; start again');
    const identity = await finishSignIn(provider, callbackUrl, { state, codeVerifier: pending.code_verifier, nonce: pending.nonce });
    return signInOrChallenge(await accountFor(ctx, identity), ctx);
  }
}
