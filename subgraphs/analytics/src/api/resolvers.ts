import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Access, canReadUserData, forbidden, requireViewer } from '@tradegraph/shared';
import type { HoldingRecord } from '../infra';
import type { Context } from './context';
import { Asset, Holding, Portfolio, User } from './types';

export async function loadPortfolio(userId: string, ctx: Context): Promise<Portfolio> {
  if (!canReadUserData(ctx.viewer, userId)) throw forbidden();
  return ctx.services.portfolios.summary(userId, (id) => ctx.loaders.holdingsByUser.load(id));
}

@Resolver(() => Portfolio)
export class PortfolioResolver {
  @Access('read')
  @Query(() => Portfolio, { description: 'Your portfolio' })
  myPortfolio(@Ctx() ctx: Context): Promise<Portfolio> {
    return loadPortfolio(requireViewer(ctx.viewer).userId, ctx);
  }

  @FieldResolver(() => [Holding])
  holdings(@Root() portfolio: Portfolio, @Ctx() ctx: Context): Promise<HoldingRecord[]> {
    return ctx.loaders.holdingsByUser.load(portfolio.userId);
  }
}

@Resolver(() => Holding)
export class HoldingResolver {
  @FieldResolver(() => Asset)
  asset(@Root() holding: HoldingRecord): Asset {
    return { symbol: holding.asset };
  }
}

@Resolver(() => User)
export class UserPortfolioResolver {
  @Access('read')
  @FieldResolver(() => Portfolio)
  portfolio(@Root() user: User, @Ctx() ctx: Context): Promise<Portfolio> {
    return loadPortfolio(user.id, ctx);
  }
}
