import { Arg, Ctx, Directive, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import DataLoader from 'dataloader';
import {
  listingChannel,
  priceChannel,
  type PriceEvent,
  Access,
  badInput,
  coalesce,
  conflict,
  decodeCursor,
  mergeAsyncIterators,
  notFound,
  pageSize,
  recordAdminActionAtAccounts,
  requireRole,
  toConnection,
  toUnits,
  type SubgraphContext,
} from '@tradegraph/shared';
import { AssetRecord, MarketRecord, type MarketsLoaders } from '../store';
import { listingOf } from '../events/listing';
import { prices } from '../events/prices-module';
import type { PriceQuote as Quote } from '../domain/prices';
import { marketFigures } from './market-figures';
import { Asset, Market, MarketCategory, MarketStatus, PriceQuote } from './types';
import { AddMarketInput, AssetConnection, AssetSort, MarketConnection, MarketSort, SortDirection } from './catalog-inputs';

type Context = SubgraphContext<MarketsLoaders>;

/** The most markets one `priceUpdated` subscription follows. */
const MAX_SUBSCRIBED_MARKETS = 100;

/** Per market per subscriber; PRICE_UPDATES_MAX_PER_SECOND=0 sends every update. */
function priceUpdateIntervalMs(): number {
  const perSecond = Number(process.env.PRICE_UPDATES_MAX_PER_SECOND ?? 4);
  return perSecond > 0 ? 1000 / perSecond : 0;
}

/** Request-scoped batching of Market.lastPrice / Market.stale: one MGET per request. */
const quoteLoaders = new WeakMap<object, DataLoader<string, Quote | null>>();
function quoteLoader(ctx: Context): DataLoader<string, Quote | null> {
  let loader = quoteLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader((symbols: readonly string[]) => prices.book!.get(symbols));
    quoteLoaders.set(ctx, loader);
  }
  return loader;
}

function decimalPlaces(value: string): number {
  const fraction = value.split('.')[1] ?? '';
  return fraction.replace(/0+$/, '').length;
}

/** The engine keeps 8 decimals per asset, so a market's tick × lot must fit in them. */
const ENGINE_DECIMALS = 8;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

function validateMarket(input: AddMarketInput): void {
  for (const [field, value] of [
    ['base', input.base],
    ['quote', input.quote],
  ] as const) {
    if (!/^[A-Z0-9]{2,12}$/.test(value)) throw badInput(`${field} must be an asset symbol like BTC`, field);
  }
  if (input.base === input.quote) throw badInput('base and quote must differ', 'quote');
  const positive = (field: 'tickSize' | 'lotSize' | 'referencePrice') => {
    if (toUnits(input[field], field) <= 0n) throw badInput(`${field} must be more than 0`, field);
  };
  positive('tickSize');
  positive('lotSize');
  positive('referencePrice');
  if (toUnits(input.minNotional, 'minNotional') < 0n) throw badInput('minNotional must not be negative', 'minNotional');
  if (decimalPlaces(input.tickSize) + decimalPlaces(input.lotSize) > ENGINE_DECIMALS) {
    throw badInput(`tickSize × lotSize must have at most ${ENGINE_DECIMALS} decimal places`, 'lotSize');
  }
  if (toUnits(input.referencePrice) % toUnits(input.tickSize) !== 0n)
    throw badInput('referencePrice must be on the tick', 'referencePrice');
  const hours = input.tradingHours;
  if (hours) {
    if (
      hours.days.length === 0 ||
      hours.days.some((d) => !Number.isInteger(d) || d < 0 || d > 6) ||
      new Set(hours.days).size !== hours.days.length
    ) {
      throw badInput('tradingHours.days must be distinct weekdays 0–6 (0 = Sunday)', 'tradingHours');
    }
    if (!TIME.test(hours.open) || !TIME.test(hours.close)) throw badInput('tradingHours open/close must be HH:MM UTC', 'tradingHours');
  }
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
    const rows = await ctx.em.find(MarketRecord, where, { orderBy: { symbol: 'asc' } });
    const descending = (direction ?? (orderBy === MarketSort.SYMBOL ? SortDirection.ASC : SortDirection.DESC)) === SortDirection.DESC;
    let keyOf: (m: MarketRecord) => number | null = () => 0;
    if (orderBy === MarketSort.MARKET_CAP) {
      const assets = await ctx.loaders.assetBySymbol.loadMany([...new Set(rows.map((m) => m.baseAsset))]);
      const caps = new Map<string, number | null>();
      for (const a of assets) if (a && !(a instanceof Error)) caps.set(a.symbol, a.marketCap === null ? null : Number(a.marketCap));
      keyOf = (m) => caps.get(m.baseAsset) ?? null;
    } else if (orderBy === MarketSort.VOLUME || orderBy === MarketSort.CHANGE) {
      const tickers =
        (await marketFigures.tickers?.(
          ctx.em,
          rows.map((m) => m.symbol),
        )) ?? new Map<string, null>();
      keyOf = (m) => {
        const t = tickers.get(m.symbol);
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

  @FieldResolver(() => PriceQuote, { nullable: true, description: 'The last price (null before the first one)' })
  @Directive('@cacheControl(maxAge: 1)')
  lastPrice(@Root() market: MarketRecord, @Ctx() ctx: Context): Promise<Quote | null> {
    return quoteLoader(ctx).load(market.symbol);
  }

  @FieldResolver(() => Boolean, { description: 'True when the market has no current price: its feed went quiet (or it never had one)' })
  @Directive('@cacheControl(maxAge: 1)')
  async stale(@Root() market: MarketRecord, @Ctx() ctx: Context): Promise<boolean> {
    const quote = await quoteLoader(ctx).load(market.symbol);
    return quote === null || quote.stale;
  }

  @Access('public')
  @Query(() => PriceQuote, {
    nullable: true,
    description: 'Last price of a market, from the cache. NOT_FOUND for an unknown market; null before its first price',
  })
  @Directive('@cacheControl(maxAge: 1)')
  price(@Arg('market') market: string): Promise<Quote | null> {
    return prices.book!.one(market);
  }

  @Access('public')
  @Query(() => [PriceQuote], {
    nullable: 'items',
    description: `Last prices of many markets in one round trip (one cache read), in the order asked. The whole request is NOT_FOUND if any market is unknown (the error lists them); an entry is null before the market's first price. At most 200.`,
  })
  @Directive('@cacheControl(maxAge: 1)')
  prices(@Arg('markets', () => [String]) markets: string[]): Promise<(Quote | null)[]> {
    return prices.book!.get(markets);
  }

  @Access('public')
  @Subscription(() => PriceQuote, {
    description:
      'Live prices of one market (`market`) or many (`markets`) on one subscription, at most PRICE_UPDATES_MAX_PER_SECOND per market; within that limit newer prices replace older ones and the latest is always delivered',
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
      return coalesce(merged, { keyOf: (event) => event.market, intervalMs: priceUpdateIntervalMs() });
    },
  })
  priceUpdated(
    @Root() event: PriceEvent,
    @Arg('market', () => String, { nullable: true, description: 'One market (kept for existing clients)' }) _market?: string,
    @Arg('markets', () => [String], { nullable: true, description: 'Several markets on one subscription' }) _markets?: string[],
  ): Quote {
    return prices.book!.quoteOfEvent(event);
  }

  @Access('session')
  @Mutation(() => Market, {
    description: 'Lists a new market between two listed assets (admin). The matching engine accepts orders in it once it has heard of it',
  })
  async addMarket(@Arg('input', () => AddMarketInput) input: AddMarketInput, @Ctx() ctx: Context): Promise<MarketRecord> {
    requireRole(ctx.viewer, 'admin');
    validateMarket(input);
    const symbol = `${input.base}-${input.quote}`;
    const assets = await ctx.em.find(AssetRecord, { symbol: { $in: [input.base, input.quote] } });
    for (const field of ['base', 'quote'] as const) {
      if (!assets.some((a) => a.symbol === input[field])) throw badInput(`No asset ${input[field]}`, field);
    }
    if (await ctx.em.findOne(MarketRecord, { symbol })) throw conflict(`Market ${symbol} is already listed`);
    await recordAdminActionAtAccounts(ctx, { action: 'add_market', targetType: 'Market', targetId: symbol, details: { ...input } });
    const market = ctx.em.create(MarketRecord, {
      symbol,
      baseAsset: input.base,
      quoteAsset: input.quote,
      category: input.category,
      tickSize: input.tickSize,
      lotSize: input.lotSize,
      minNotional: input.minNotional,
      status: 'active',
      referencePrice: input.referencePrice,
      tradingHours: input.tradingHours
        ? { days: [...input.tradingHours.days].sort(), open: input.tradingHours.open, close: input.tradingHours.close }
        : null,
      listedAt: new Date(),
    });
    await ctx.em.flush();
    await ctx.bus.publish(listingChannel, listingOf(market));
    ctx.logger.info({ market: symbol, admin: ctx.viewer?.userId }, 'market listed');
    return market;
  }

  @Access('session')
  @Mutation(() => Market, { description: 'Stops new orders in a market; cancels still work (admin)' })
  suspendMarket(@Arg('symbol', () => ID) symbol: string, @Ctx() ctx: Context): Promise<MarketRecord> {
    return setStatus(ctx, symbol, 'suspended');
  }

  @Access('session')
  @Mutation(() => Market, { description: 'Lets a suspended market trade again (admin)' })
  resumeMarket(@Arg('symbol', () => ID) symbol: string, @Ctx() ctx: Context): Promise<MarketRecord> {
    return setStatus(ctx, symbol, 'active');
  }
}

async function setStatus(ctx: Context, symbol: string, status: 'active' | 'suspended'): Promise<MarketRecord> {
  requireRole(ctx.viewer, 'admin');
  const market = await ctx.em.findOne(MarketRecord, { symbol });
  if (!market) throw notFound(`No market ${symbol}`);
  if (market.status !== status) {
    await recordAdminActionAtAccounts(ctx, {
      action: status === 'suspended' ? 'suspend_market' : 'resume_market',
      targetType: 'Market',
      targetId: symbol,
      details: { from: market.status, to: status },
    });
    market.status = status;
    await ctx.em.flush();
    ctx.logger.info({ market: symbol, status, admin: ctx.viewer?.userId }, 'market status changed');
  }
  // Published even when unchanged, so a listener that missed the first one catches up.
  await ctx.bus.publish(listingChannel, listingOf(market));
  return market;
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
    const rows = await ctx.em.find(AssetRecord, {}, { orderBy: { symbol: 'asc' } });
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
