import { randomUUID } from 'node:crypto';
import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access, ErrorCode, appError, badInput, canReadUserData, forbidden, requireViewer, DecimalScalar, type SubgraphContext } from '@tradegraph/shared';
import { PriceAlertRecord, type TradingLoaders } from '../store';
import { validateAlert } from '../domain/alerts';
import { ListedMarkets } from '../store/listed-markets';
import { AlertCondition, Market, PriceAlert, User } from './types';

type Context = SubgraphContext<TradingLoaders>;

const listedMarkets = new ListedMarkets();

/** Active alerts one user may hold (PRICE_ALERTS_MAX_PER_USER). */
function maxAlertsPerUser(): number {
  const value = Number(process.env.PRICE_ALERTS_MAX_PER_USER || 100);
  return Number.isInteger(value) && value > 0 ? value : 100;
}

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
    validateAlert(market, price);
    if (!(await listedMarkets.has(market))) throw badInput(`${market} is not a listed market`, 'market');
    const max = maxAlertsPerUser();
    if ((await ctx.em.count(PriceAlertRecord, { userId: viewer.userId, status: 'active' })) >= max) {
      throw appError(ErrorCode.LIMIT_EXCEEDED, `At most ${max} active price alerts per user`, { max });
    }
    const alert = ctx.em.create(PriceAlertRecord, {
      id: randomUUID(),
      userId: viewer.userId,
      market,
      condition,
      price,
      status: 'active',
      createdAt: new Date(),
      triggeredAt: null,
    });
    await ctx.em.persistAndFlush(alert);
    return alert;
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
