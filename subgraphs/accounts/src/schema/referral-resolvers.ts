import { Ctx, FieldResolver, Int, Arg, Resolver, Root } from 'type-graphql';
import {
  Access,
  DecimalScalar,
  badInput,
  canReadUserData,
  forbidden,
  type Connection,
  type SubgraphContext,
  type Viewer,
} from '@tradegraph/shared';
import { UserRecord, type AccountsLoaders } from '../store';
import { normalizeReferralCode, referralRevenueShare } from '../domain/referrals';
import { UserConnection } from './admin-types';
import { pageUsers } from './admin-resolvers';
import { User } from './types';

type Context = SubgraphContext<AccountsLoaders>;

/** Who someone referred is between them and the admins (support does not need it). */
const canReadReferrals = (viewer: Viewer | null, userId: string) =>
  viewer !== null && (viewer.userId === userId || viewer.roles.includes('admin'));

@Resolver(() => User)
export class ReferralResolver {
  @Access('read')
  @FieldResolver(() => String, { description: 'The code others sign up with to be referred by this user' })
  referralCode(@Root() user: UserRecord, @Ctx() ctx: Context): string {
    if (!canReadUserData(ctx.viewer, user.id)) throw forbidden();
    return user.referralCode;
  }

  @Access('read')
  @FieldResolver(() => DecimalScalar, { description: "The share of referred users' fees this user earns (0.1 = 10%)" })
  referralRevenueShare(@Root() user: UserRecord, @Ctx() ctx: Context): string {
    if (!canReadUserData(ctx.viewer, user.id)) throw forbidden();
    return referralRevenueShare();
  }

  @Access('read')
  @FieldResolver(() => UserConnection, { description: "Users who signed up with this user's code, newest first: the user and admins" })
  referrals(
    @Root() user: UserRecord,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Connection<UserRecord>> {
    if (!canReadReferrals(ctx.viewer, user.id)) throw forbidden();
    return pageUsers(ctx, { referredById: user.id }, first, after);
  }
}

/**
 * The referrer named by a sign-up's code, checked before the account is made: an unknown
 * code is bad input and creates nothing.
 */
export async function referrerOf(ctx: Context, rawCode: string | null | undefined): Promise<UserRecord | null> {
  if (rawCode === null || rawCode === undefined || rawCode.trim() === '') return null;
  const referrer = await ctx.em.findOne(UserRecord, { referralCode: normalizeReferralCode(rawCode) });
  if (!referrer) throw badInput('referralCode is not a known referral code', 'referralCode');
  return referrer;
}
