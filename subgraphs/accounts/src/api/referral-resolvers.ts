import { Ctx, FieldResolver, Int, Arg, Resolver, Root } from 'type-graphql';
import { Access, DecimalScalar, canReadUserData, forbidden, type Connection, type Viewer } from '@tradegraph/shared';
import { referralsOf } from '../app/users';
import type { UserRecord } from '../infra/entities/users';
import { UserConnection } from './admin-types';
import type { Context } from './context';
import { User } from './types';

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
    return ctx.services.settings.referralRevenueShare;
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
    return referralsOf(ctx.em, user.id, first, after);
  }
}
