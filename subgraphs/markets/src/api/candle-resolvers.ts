import { Arg, Ctx, Directive, FieldResolver, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  candleChannel,
  tickerChannel,
  type CandleEvent,
  type TickerEvent,
  Access,
  DateTimeScalar,
  badInput,
  coalesce,
  decodeCursor,
  maxPerSecondInterval,
  MAX_PER_SECOND_DESCRIPTION,
  notFound,
  pageSize,
  toConnection,
  startingWith,
} from '@tradegraph/shared';
import { INTERVAL_MS, parseInterval, type Candle as CandleModel } from '../domain/candles';
import type { Ticker as TickerModel } from '../domain/tickers';
import { MarketRecord } from '../infra';
import { findCandles } from '../infra/candle-store';
import type { Context } from './context';
import { Market } from './types';
import { Candle, CandleConnection, Ticker } from './candle-types';

async function knownMarket(ctx: Context, symbol: string): Promise<MarketRecord> {
  const market = await ctx.loaders.marketBySymbol.load(symbol);
  if (!market) throw notFound(`No market ${symbol}`);
  return market;
}

const withCloseTime = (candle: CandleModel | CandleEvent) => {
  const openTime = new Date(candle.openTime);
  return { ...candle, openTime, closeTime: new Date(openTime.getTime() + INTERVAL_MS[parseInterval(candle.interval)]) };
};

@Resolver(() => Candle)
export class CandleResolver {
  @Directive('@cacheControl(maxAge: 5)')
  @Access('public')
  @Query(() => CandleConnection, {
    description:
      'Candles of a market, oldest first (newestFirst: true for the latest first), with openTime in [from, to). ' +
      'Intervals: 1m, 5m, 15m, 1h, 4h, 1d. Built from the exchange\'s fills, or from the reference feed (zero volume) for a market that has never traded.',
  })
  async candles(
    @Ctx() ctx: Context,
    @Arg('market') market: string,
    @Arg('interval') interval: string,
    @Arg('from', () => DateTimeScalar, { nullable: true }) from?: Date,
    @Arg('to', () => DateTimeScalar, { nullable: true }) to?: Date,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('newestFirst', { defaultValue: false }) newestFirst?: boolean,
  ) {
    const checkedInterval = parseInterval(interval);
    if (from && to && from.getTime() > to.getTime()) throw badInput('from must not be after to', 'from');
    const size = pageSize(first, 100);
    const cursor = decodeCursor(after);
    const afterTime = cursor === undefined ? undefined : new Date(cursor);
    if (afterTime && Number.isNaN(afterTime.getTime())) throw badInput('after is not a cursor from this list', 'after');
    await knownMarket(ctx, market);
    const rows = await findCandles({ em: ctx.em }, {
      market,
      interval: checkedInterval,
      from,
      to,
      after: afterTime,
      newestFirst: newestFirst ?? false,
      limit: size + 1,
    });
    return toConnection(rows.map(withCloseTime), size, (c) => c.openTime.toISOString(), cursor !== undefined);
  }

  @Access('public')
  @Subscription(() => Candle, {
    description: 'The candle of a market and interval as it changes; at most one update per MARKETS_SUBSCRIPTION_INTERVAL_MS (fewer with `maxPerSecond`), the latest never dropped',
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const interval = parseInterval(args.interval as string);
      await knownMarket(ctx, args.market as string);
      return coalesce(ctx.bus.subscribe<CandleEvent>(candleChannel(args.market as string, interval)), {
        keyOf: (c) => `${c.market}|${c.interval}`,
        intervalMs: maxPerSecondInterval(args.maxPerSecond, ctx.services.settings.subscriptionIntervalMs),
      });
    },
  })
  candleUpdated(
    @Root() event: CandleEvent,
    @Arg('market') _market: string,
    @Arg('interval') _interval: string,
    @Arg('maxPerSecond', () => Int, { nullable: true, description: MAX_PER_SECOND_DESCRIPTION }) _maxPerSecond: number | undefined,
  ) {
    return withCloseTime(event);
  }

  @FieldResolver(() => Market)
  market(@Root() candle: CandleModel | CandleEvent, @Ctx() ctx: Context) {
    return ctx.loaders.marketBySymbol.load(candle.market);
  }
}

@Resolver(() => Ticker)
export class TickerResolver {
  @Directive('@cacheControl(maxAge: 1)')
  @Access('public')
  @Query(() => Ticker, { nullable: true, description: 'The 24h ticker of a market; null when it has never had a price' })
  async ticker(@Ctx() ctx: Context, @Arg('market') market: string): Promise<TickerModel | null> {
    await knownMarket(ctx, market);
    return ctx.loaders.tickerBySymbol.load(market);
  }

  @Directive('@cacheControl(maxAge: 1)')
  @Access('public')
  @Query(() => [Ticker], { nullable: 'items', description: 'The 24h tickers of several markets in one round trip, in the order asked' })
  async tickers(@Ctx() ctx: Context, @Arg('markets', () => [String]) markets: string[]): Promise<(TickerModel | null)[]> {
    if (markets.length > 200) throw badInput('at most 200 markets at once', 'markets');
    await Promise.all(markets.map((m) => knownMarket(ctx, m)));
    return ctx.loaders.tickerBySymbol.loadMany(markets) as Promise<(TickerModel | null)[]>;
  }

  @Access('public')
  @Subscription(() => Ticker, {
    description:
      "The 24h ticker of a market as it changes; at most one update per MARKETS_SUBSCRIPTION_INTERVAL_MS (fewer with `maxPerSecond`), the latest never dropped. The current ticker comes first (unless `initial: false`), so a screen is never blank until the next trade",
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const market = args.market as string;
      await knownMarket(ctx, market);
      const live = coalesce(ctx.bus.subscribe<TickerEvent>(tickerChannel(market)), {
        keyOf: (t) => t.market,
        intervalMs: maxPerSecondInterval(args.maxPerSecond, ctx.services.settings.subscriptionIntervalMs),
      });
      if (args.initial === false) return live;
      // A market that never traded has no ticker yet: nothing to show first.
      return startingWith(async () => {
        const ticker = await ctx.loaders.tickerBySymbol.load(market);
        return ticker ? [ticker as unknown as TickerEvent] : [];
      }, live);
    },
  })
  tickerUpdated(
    @Root() event: TickerEvent,
    @Arg('market') _market: string,
    @Arg('initial', () => Boolean, { nullable: true, defaultValue: true, description: 'Send the current ticker first (the default); false: changes only' })
    _initial: boolean | undefined,
    @Arg('maxPerSecond', () => Int, { nullable: true, description: MAX_PER_SECOND_DESCRIPTION }) _maxPerSecond: number | undefined,
  ): TickerEvent {
    return event;
  }

  @FieldResolver(() => Market)
  market(@Root() ticker: TickerModel | TickerEvent, @Ctx() ctx: Context) {
    return ctx.loaders.marketBySymbol.load(ticker.market);
  }
}

@Resolver(() => Market)
export class MarketTickerResolver {
  @Directive('@cacheControl(maxAge: 1)')
  @FieldResolver(() => Ticker, { nullable: true, description: 'The 24h ticker (see Query.ticker)' })
  ticker(@Root() market: MarketRecord, @Ctx() ctx: Context): Promise<TickerModel | null> {
    return ctx.loaders.tickerBySymbol.load(market.symbol);
  }
}
