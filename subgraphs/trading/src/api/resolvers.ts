import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access, canReadUserData, forbidden, requireViewer, DecimalScalar } from '@tradegraph/shared';
import type { PriceAlertRecord } from '../infra';
import type { Context } from './context';
import { AlertCondition, Market, PriceAlert, User } from './types';

@Resolver(() => PriceAlert)
export class PriceAlertResolver {
  @Access('read')
  @Query(() => [PriceAlert], { description: 'Your active price alerts' })
  myPriceAlerts(@Ctx() ctx: Context): Promise<PriceAlertRecord[]> {
    return ctx.loaders.activeAlertsByUser.load(requireViewer(ctx.viewer).userId);
  }

  @Access('trade')
  @Mutation(() => PriceAlert)
  async createPriceAlert(
    @Arg('market') market: string,
    @Arg('condition', () => AlertCondition) condition: AlertCondition,
    @Arg('price', () => DecimalScalar) price: string,
    @Ctx() ctx: Context,
  ): Promise<PriceAlertRecord> {
    const viewer = requireViewer(ctx.viewer);
    return ctx.services.alerts.create(ctx.em, viewer.userId, { market, condition, price });
  }

  @FieldResolver(() => Market)
  market(@Root() alert: PriceAlertRecord): Market {
    return { symbol: alert.market };
  }
}

@Resolver(() => User)
export class UserAlertsResolver {
  @Access('read')
  @FieldResolver(() => [PriceAlert], { description: "The user's active price alerts" })
  priceAlerts(@Root() user: User, @Ctx() ctx: Context): Promise<PriceAlertRecord[]> {
    if (!canReadUserData(ctx.viewer, user.id)) throw forbidden();
    return ctx.loaders.activeAlertsByUser.load(user.id);
  }
}
