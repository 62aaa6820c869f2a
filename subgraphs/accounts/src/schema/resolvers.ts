import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access, conflict, forbidden, requireScope, unauthenticated, type SubgraphContext } from '@tradegraph/shared';
import { UserRecord, type AccountsLoaders } from '../store';
import type { SigningKeys } from '../store/signing-keys';
import { checkPasswordStrength, normalizeEmail } from '../domain/email';
import { startSession } from './session-resolvers';
import { guardSignUp } from '../domain/attempts';
import { AuthPayload, User } from './types';
import { referrerOf } from './referral-resolvers';

type Context = SubgraphContext<AccountsLoaders>;

/** Set by the subgraph definition at start: the key store the mutations sign with. */
export const keyStore: { current?: SigningKeys } = {};

const canSeePrivateFields = (ctx: Context, userId: string) =>
  ctx.viewer !== null && (ctx.viewer.userId === userId || ctx.viewer.roles.includes('admin') || ctx.viewer.roles.includes('support'));

@Resolver(() => User)
export class UserResolver {
  @Access('read')
  @Query(() => User, { description: 'The signed-in user' })
  async me(@Ctx() ctx: Context): Promise<UserRecord> {
    // Your account is user data: an API key needs the read scope to see it.
    const viewer = requireScope(ctx.viewer, 'read');
    const user = await ctx.loaders.userById.load(viewer.userId);
    if (!user) throw unauthenticated('The account of this token no longer exists');
    return user;
  }

  @Access('read')
  @FieldResolver(() => String, { nullable: true, description: 'Visible to the user and to support/admin; null for wallet-only users' })
  email(@Root() user: UserRecord, @Ctx() ctx: Context): string | null {
    if (!canSeePrivateFields(ctx, user.id)) throw forbidden();
    return user.email;
  }

  @Access('public')
  @Mutation(() => AuthPayload, { description: 'Create an account with email and password' })
  async signUp(
    @Arg('email') rawEmail: string,
    @Arg('password') password: string,
    @Ctx() ctx: Context,
    @Arg('referralCode', () => String, { nullable: true, description: "Another user's referral code" }) referralCode?: string | null,
  ): Promise<AuthPayload> {
    await guardSignUp(ctx.clientIp);
    const email = normalizeEmail(rawEmail);
    checkPasswordStrength(password);
    const referrer = await referrerOf(ctx, referralCode);
    const user = ctx.em.create(UserRecord, {
      referredById: referrer?.id ?? null,
      id: randomUUID(),
      email,
      passwordHash: await argon2.hash(password, { type: argon2.argon2id }),
      roles: ['user'],
      createdAt: new Date(),
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
    // A new account has no second factor yet: straight to a session (session-resolvers.ts).
    return startSession(user, ctx);
  }
}
