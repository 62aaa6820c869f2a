import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access, forbidden, requireScope, unauthenticated } from '@tradegraph/shared';
import { signUp } from '../app/sign-up';
import type { IssuedTokens } from '../app/sessions';
import type { UserRecord } from '../infra/entities/users';
import type { Context } from './context';
import { AuthPayload, User } from './types';

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
  signUp(
    @Arg('email') rawEmail: string,
    @Arg('password') password: string,
    @Ctx() ctx: Context,
    @Arg('referralCode', () => String, { nullable: true, description: "Another user's referral code" }) referralCode?: string | null,
  ): Promise<IssuedTokens> {
    return signUp(ctx, rawEmail, password, referralCode);
  }
}
