import { Arg, Ctx, FieldResolver, Query, Resolver, Root, Subscription } from 'type-graphql';
import { notFound, type SubgraphContext } from '@tradegraph/shared';
import { AssetRecord, MarketRecord, type MarketsLoaders } from '../store';
import { priceChannel, type PriceEvent } from '../events/channels';
import { Asset, Market, MarketCategory, MarketStatus, Price } from './types';

type Context = SubgraphContext<MarketsLoaders>;

@Resolver(() => Market)
export class MarketResolver {
  @Query(() => [Market], { description: 'The listed markets, by symbol' })
  async markets(
    @Ctx() ctx: Context,
    @Arg('category', () => MarketCategory, { nullable: true }) category?: MarketCategory,
    @Arg('status', () => MarketStatus, { nullable: true }) status?: MarketStatus,
  ): Promise<MarketRecord[]> {
    return ctx.em.find(MarketRecord, { ...(category ? { category } : {}), ...(status ? { status } : {}) }, { orderBy: { symbol: 'asc' } });
  }

  @Query(() => Market, { nullable: true })
  market(@Arg('symbol') symbol: string, @Ctx() ctx: Context): Promise<MarketRecord | null> {
    return ctx.loaders.marketBySymbol.load(symbol);
  }

  @FieldResolver(() => Asset)
  baseAsset(@Root() market: MarketRecord, @Ctx() ctx: Context): Promise<AssetRecord | null> {
    return ctx.loaders.assetBySymbol.load(market.baseAsset);
  }

  @FieldResolver(() => Asset)
  quoteAsset(@Root() market: MarketRecord, @Ctx() ctx: Context): Promise<AssetRecord | null> {
    return ctx.loaders.assetBySymbol.load(market.quoteAsset);
  }

  @Subscription(() => Price, {
    description: 'Live prices of one market, from the feed (channel markets.price.<symbol>)',
    subscribe: async ({ args, context }) => {
      const market = await (context as Context).loaders.marketBySymbol.load(args.market as string);
      if (!market) throw notFound(`No market ${String(args.market)}`);
      return (context as Context).bus.subscribe<PriceEvent>(priceChannel(market.symbol));
    },
  })
  priceUpdated(@Root() event: PriceEvent, @Arg('market') _market: string): PriceEvent {
    return event;
  }
}

@Resolver(() => Asset)
export class AssetResolver {
  @Query(() => [Asset])
  assets(@Ctx() ctx: Context): Promise<AssetRecord[]> {
    return ctx.em.find(AssetRecord, {}, { orderBy: { symbol: 'asc' } });
  }
}

@Resolver(() => Price)
export class PriceResolver {
  @FieldResolver(() => Market)
  market(@Root() event: PriceEvent, @Ctx() ctx: Context): Promise<MarketRecord | null> {
    return ctx.loaders.marketBySymbol.load(event.market);
  }
}
