import { Arg, Ctx, Directive, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  priceChannel,
  type PriceEvent,
  Access,
  badInput,
  coalesce,
  decodeCursor,
  maxPerSecondInterval,
  MAX_PER_SECOND_DESCRIPTION,
  mergeAsyncIterators,
  notFound,
  pageSize,
  requireRole,
  toConnection,
  toUnits,
  startingWith,
  isOpenAt,
  nextOpenAfter,
  DateTimeScalar,
} from '@tradegraph/shared';
import { AssetRecord, MarketRecord, assetsBySymbol, marketsBySymbol } from '../infra';
import type { AdminRequest } from '../app/catalog';
import type { PriceQuote as Quote } from '../domain/prices';
import type { Context } from './context';
import { Asset, Market, MarketCategory, MarketStatus, PriceQuote } from './types';
import { AddMarketInput, AssetConnection, AssetSort, MarketConnection, MarketSort, SortDirection } from './catalog-inputs';

/** The most markets one `priceUpdated` subscription follows. */
const MAX_SUBSCRIBED_MARKETS = 100;

/** An admin's change as the catalog records it: only an admin may make one. */
function adminRequest(ctx: Context): AdminRequest {
  requireRole(ctx.viewer, 'admin');
  return { em: ctx.em, logger: ctx.logger, reqId: ctx.reqId, authorization: ctx.authorization, adminId: ctx.viewer?.userId };
}

@Resolver(() => Market)
export class MarketResolver {
  @Access('public')
  @Query(() => MarketConnection, { description: 'The listed markets: filtered, sorted, paged' })
  @Directive('@cacheControl(maxAge: 5)')
  async markets(
    @Ctx() ctx: Context,
    @Arg('category', () => MarketCategory, { nullable: true }) category?: MarketCategory,
    @Arg('quoteAsset', () => String, { nullable: true }) quoteAsset?: string,
    @Arg('status', () => MarketStatus, { nullable: true }) status?: MarketStatus,
    @Arg('orderBy', () => MarketSort, { nullable: true, defaultValue: MarketSort.SYMBOL }) orderBy: MarketSort = MarketSort.SYMBOL,
    @Arg('direction', () => SortDirection, { nullable: true }) direction?: SortDirection,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const size = pageSize(first, 100);
    const cursor = decodeCursor(after);
    const where = { ...(category ? { category } : {}), ...(status ? { status } : {}), ...(quoteAsset ? { quoteAsset } : {}) };
    // The catalog is small (tens to hundreds of markets): sorted in memory by keys that live in
    // other tables, with the symbol as the tie-breaker and the cursor.
    const rows = await marketsBySymbol(ctx.em, where);
    const descending = (direction ?? (orderBy === MarketSort.SYMBOL ? SortDirection.ASC : SortDirection.DESC)) === SortDirection.DESC;
    let keyOf: (m: MarketRecord) => number | null = () => 0;
    if (orderBy === MarketSort.MARKET_CAP) {
      const assets = await ctx.loaders.assetBySymbol.loadMany([...new Set(rows.map((m) => m.baseAsset))]);
      const caps = new Map<string, number | null>();
      for (const a of assets) if (a && !(a instanceof Error)) caps.set(a.symbol, a.marketCap === null ? null : Number(a.marketCap));
      keyOf = (m) => caps.get(m.baseAsset) ?? null;
    } else if (orderBy === MarketSort.VOLUME || orderBy === MarketSort.CHANGE) {
      const tickers = await ctx.loaders.tickerBySymbol.loadMany(rows.map((m) => m.symbol));
      const bySymbol = new Map(rows.map((m, i) => [m.symbol, tickers[i]]));
      keyOf = (m) => {
        const t = bySymbol.get(m.symbol);
        if (t instanceof Error) throw t;
        if (!t) return null;
        return Number(orderBy === MarketSort.VOLUME ? t.quoteVolume : t.changePercent);
      };
    }
    // Only for ordering, never shown: a float is fine here.
    const keyed = rows.map((m) => ({ m, key: keyOf(m) }));
    keyed.sort((a, b) => {
      if (orderBy !== MarketSort.SYMBOL && a.key !== b.key) {
        if (a.key === null) return 1; // markets without the figure last, either way
        if (b.key === null) return -1;
        return descending ? b.key - a.key : a.key - b.key;
      }
      return orderBy === MarketSort.SYMBOL && descending ? b.m.symbol.localeCompare(a.m.symbol) : a.m.symbol.localeCompare(b.m.symbol);
    });
    const sorted = keyed.map((k) => k.m);
    const start = cursor ? sorted.findIndex((m) => m.symbol === cursor) + 1 : 0;
    if (cursor && start === 0) throw badInput('after is not a cursor from this list', 'after');
    return toConnection(sorted.slice(start, start + size + 1), size, (m) => m.symbol, Boolean(cursor));
  }

  @Access('public')
  @Query(() => Market, { nullable: true })
  @Directive('@cacheControl(maxAge: 5)')
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

  @FieldResolver(() => Boolean, { description: 'Whether the market is in its trading session now (always true for one that trades around the clock)' })
  @Directive('@cacheControl(maxAge: 1)')
  isOpen(@Root() market: MarketRecord): boolean {
    return isOpenAt(market.tradingHours, Date.now());
  }

  @FieldResolver(() => DateTimeScalar, {
    nullable: true,
    description:
      'When trading next starts: while closed, the coming opening; while open, the opening after the current session. Null for a market that trades around the clock',
  })
  @Directive('@cacheControl(maxAge: 1)')
  nextOpen(@Root() market: MarketRecord): Date | null {
    const next = nextOpenAfter(market.tradingHours, Date.now());
    return next === null ? null : new Date(next);
  }

  @FieldResolver(() => PriceQuote, { nullable: true, description: 'The last price (null before the first one)' })
  @Directive('@cacheControl(maxAge: 1)')
  lastPrice(@Root() market: MarketRecord, @Ctx() ctx: Context): Promise<Quote | null> {
    return ctx.loaders.quoteBySymbol.load(market.symbol);
  }

  @FieldResolver(() => Boolean, { description: 'True when the market has no current price: its feed went quiet (or it never had one)' })
  @Directive('@cacheControl(maxAge: 1)')
  async stale(@Root() market: MarketRecord, @Ctx() ctx: Context): Promise<boolean> {
    const quote = await ctx.loaders.quoteBySymbol.load(market.symbol);
    return quote === null || quote.stale;
  }

  @Access('public')
  @Query(() => PriceQuote, {
    nullable: true,
    description: 'Last price of a market, from the cache. NOT_FOUND for an unknown market; null before its first price',
  })
  @Directive('@cacheControl(maxAge: 1)')
  price(@Arg('market') market: string, @Ctx() ctx: Context): Promise<Quote | null> {
    return ctx.services.prices.one(market);
  }

  @Access('public')
  @Query(() => [PriceQuote], {
    nullable: 'items',
    description: `Last prices of many markets in one round trip (one cache read), in the order asked. The whole request is NOT_FOUND if any market is unknown (the error lists them); an entry is null before the market's first price. At most 200.`,
  })
  @Directive('@cacheControl(maxAge: 1)')
  prices(@Arg('markets', () => [String]) markets: string[], @Ctx() ctx: Context): Promise<(Quote | null)[]> {
    return ctx.services.prices.get(markets);
  }

  @Access('public')
  @Subscription(() => PriceQuote, {
    description:
      'Live prices of one market (`market`) or many (`markets`) on one subscription, at most PRICE_UPDATES_MAX_PER_SECOND per market (fewer with `maxPerSecond`); within that limit newer prices replace older ones and the latest is always delivered. Each market\'s current price comes first (unless `initial: false`), so a screen is never blank until the next change',
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const asked = [...new Set([...(args.market ? [String(args.market)] : []), ...((args.markets as string[] | null) ?? [])])];
      if (asked.length === 0) throw badInput('Give market or markets', 'markets');
      if (asked.length > MAX_SUBSCRIBED_MARKETS) throw badInput(`At most ${MAX_SUBSCRIBED_MARKETS} markets per subscription`, 'markets');
      const found = await ctx.loaders.marketBySymbol.loadMany(asked);
      const unknown = asked.filter((_, i) => !found[i] || found[i] instanceof Error);
      if (unknown.length > 0) throw notFound(`No market ${unknown.join(', ')}`);
      const streams = asked.map((symbol) => ctx.bus.subscribe<PriceEvent>(priceChannel(symbol)));
      const merged = streams.length === 1 ? streams[0]! : mergeAsyncIterators(streams);
      const intervalMs = maxPerSecondInterval(args.maxPerSecond, ctx.services.settings.priceUpdateIntervalMs);
      const live = coalesce(merged, { keyOf: (event) => event.market, intervalMs });
      if (args.initial === false) return live;
      // Markets that have no price yet have nothing to show first.
      return startingWith(async () => {
        const quotes = await ctx.services.prices.get(asked);
        return quotes.flatMap((quote): PriceEvent[] => (quote ? [{ market: quote.market, price: quote.price, at: quote.at, source: quote.source }] : []));
      }, live);
    },
  })
  priceUpdated(
    @Root() event: PriceEvent,
    @Arg('market', () => String, { nullable: true, description: 'One market (kept for existing clients)' }) _market: string | undefined,
    @Arg('markets', () => [String], { nullable: true, description: 'Several markets on one subscription' }) _markets: string[] | undefined,
    @Arg('initial', () => Boolean, {
      nullable: true,
      defaultValue: true,
      description: "Send each market's current price first (the default); false: changes only",
    })
    _initial: boolean | undefined,
    @Arg('maxPerSecond', () => Int, { nullable: true, description: MAX_PER_SECOND_DESCRIPTION }) _maxPerSecond: number | undefined,
    @Ctx() ctx: Context,
  ): Quote {
    return ctx.services.prices.quoteOfEvent(event);
  }

  @Access('session')
  @Mutation(() => Market, {
    description: 'Lists a new market between two listed assets (admin). The matching engine accepts orders in it once it has heard of it',
  })
  addMarket(@Arg('input', () => AddMarketInput) input: AddMarketInput, @Ctx() ctx: Context): Promise<MarketRecord> {
    return ctx.services.catalog.add(adminRequest(ctx), input);
  }

  @Access('session')
  @Mutation(() => Market, { description: 'Stops new orders in a market; cancels still work (admin)' })
  suspendMarket(@Arg('symbol', () => ID) symbol: string, @Ctx() ctx: Context): Promise<MarketRecord> {
    return ctx.services.catalog.setStatus(adminRequest(ctx), symbol, 'suspended');
  }

  @Access('session')
  @Mutation(() => Market, { description: 'Lets a suspended market trade again (admin)' })
  resumeMarket(@Arg('symbol', () => ID) symbol: string, @Ctx() ctx: Context): Promise<MarketRecord> {
    return ctx.services.catalog.setStatus(adminRequest(ctx), symbol, 'active');
  }
}

@Resolver(() => Asset)
export class AssetResolver {
  @Access('public')
  @Query(() => AssetConnection, { description: 'Listed assets, paged' })
  @Directive('@cacheControl(maxAge: 60)')
  async assets(
    @Ctx() ctx: Context,
    @Arg('orderBy', () => AssetSort, { nullable: true, defaultValue: AssetSort.SYMBOL }) orderBy: AssetSort = AssetSort.SYMBOL,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const size = pageSize(first, 100);
    const cursor = decodeCursor(after);
    const rows = await assetsBySymbol(ctx.em);
    if (orderBy === AssetSort.MARKET_CAP) {
      rows.sort((a, b) => {
        if (a.marketCap === b.marketCap) return a.symbol.localeCompare(b.symbol);
        if (a.marketCap === null) return 1;
        if (b.marketCap === null) return -1;
        const diff = toUnits(String(b.marketCap)) - toUnits(String(a.marketCap));
        return diff > 0n ? 1 : diff < 0n ? -1 : a.symbol.localeCompare(b.symbol);
      });
    }
    const start = cursor ? rows.findIndex((a) => a.symbol === cursor) + 1 : 0;
    if (cursor && start === 0) throw badInput('after is not a cursor from this list', 'after');
    return toConnection(rows.slice(start, start + size + 1), size, (a) => a.symbol, Boolean(cursor));
  }

  @Access('public')
  @Query(() => Asset, { nullable: true })
  @Directive('@cacheControl(maxAge: 60)')
  asset(@Arg('symbol') symbol: string, @Ctx() ctx: Context): Promise<AssetRecord | null> {
    return ctx.loaders.assetBySymbol.load(symbol);
  }
}

@Resolver(() => PriceQuote)
export class PriceQuoteResolver {
  @FieldResolver(() => Market)
  market(@Root() quote: Quote, @Ctx() ctx: Context): Promise<MarketRecord | null> {
    return ctx.loaders.marketBySymbol.load(quote.market);
  }
}
