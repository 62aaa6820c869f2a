import { Arg, Ctx, Directive, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  Access,
  DecimalScalar,
  badInput,
  canReadUserData,
  coalesce,
  maxPerSecondInterval,
  MAX_PER_SECOND_DESCRIPTION,
  decodeCursor,
  forbidden,
  isProduction,
  newestFirstAfter,
  newestFirstCursor,
  notFound,
  pageSize,
  requireScope,
  startingWith,
  toConnection,
  validIdentifier,
  viewerChannel,
  type Connection,
  type SubgraphContext,
} from '@tradegraph/shared';
import {
  balanceChannel,
  bookChannel,
  orderChannel,
  tradesChannel,
  type BookDeltaEvent,
  type OrderEvent,
  type TradeEvent,
} from '@tradegraph/shared';
import { FillRecord, OrderRecord, type MatchingLoaders } from '../infra';
import type { Exchange, OrderView } from '../app/exchange';
import type { BalanceRow } from '../app/projection';
import type { MatchingServices } from '../app/services';
import { BOOK_FEED_DEPTH, type Publisher } from '../events/publisher';
import {
  Balance,
  Fill,
  FillConnection,
  Market,
  Order,
  OrderBook,
  OrderBookUpdate,
  OrderConnection,
  OrderStatus,
  PlaceOrderInput,
  Trade,
  User,
  FeeScheduleTier,
  FeeTier,
  MarketFees,
  TradeConnection,
} from './types';
import { bpsToRate } from '../domain/fees';
import { mergeBookUpdates } from '../domain/book-updates';

export type MatchingContext = SubgraphContext<MatchingLoaders, MatchingServices>;
type Context = MatchingContext;
type OrderSource = OrderView | OrderEvent;

/**
 * The exchange in service. While an engine is rebuilt after a journal failure this throws
 * SERVICE_UNAVAILABLE (a DomainError, which the error formatter maps), as do refusals of the
 * engine (OrderRejected, with the engine's code) and commands the journal could not store.
 */
export const exchangeOf = (ctx: Context): Exchange => ctx.services.engine.current();

/** The book publisher of the engine in service, on the same terms. */
const booksOf = (ctx: Context): Publisher => ctx.services.engine.books();

function orderId(id: string): number {
  if (!/^\d{1,15}$/.test(id)) throw badInput('id is not an order id', 'id');
  return Number(id);
}

/** Orders sort newest first; the cursor is `createdAt|id`. */
const orderCursor = (order: OrderSource) => newestFirstCursor(order.createdAt, order.id);
const fillCursor = (fill: FillRecord) => newestFirstCursor(fill.createdAt, fill.tradeId);

/** The market's id when the engine lists it; NOT_FOUND otherwise. */
function knownMarket(ctx: Context, market: string): string {
  if (!exchangeOf(ctx).sequencer.engine.marketSpec(market)) throw notFound(`No market ${market}`);
  return market;
}

function clampDepth(depth: number, max = 500): number {
  if (!Number.isInteger(depth) || depth < 1 || depth > max) throw badInput(`depth must be between 1 and ${max}`, 'depth');
  return depth;
}

@Resolver(() => Order)
export class OrderResolver {
  @Access('read')
  @Query(() => Order, { nullable: true, description: 'One of your orders' })
  async order(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<OrderView | null> {
    requireScope(ctx.viewer, 'read');
    const order = await exchangeOf(ctx).view(orderId(id));
    if (order && !canReadUserData(ctx.viewer, order.userId)) throw forbidden();
    return order;
  }

  @Access('read')
  @Query(() => OrderConnection, { description: 'Your orders, newest first' })
  async myOrders(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', { nullable: true }) after?: string,
    @Arg('market', { nullable: true }) market?: string,
    @Arg('status', () => OrderStatus, { nullable: true }) status?: OrderStatus,
    @Arg('since', () => Date, { nullable: true }) since?: Date,
  ): Promise<Connection<OrderRecord>> {
    const viewer = requireScope(ctx.viewer, 'read');
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const rows = await ctx.em.find(
      OrderRecord,
      {
        userId: viewer.userId,
        ...(market ? { market } : {}),
        ...(status ? { status } : {}),
        ...(since ? { createdAt: { $gte: since } } : {}),
        ...newestFirstAfter(cursor, 'id'),
      },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
    );
    return toConnection(rows, size, orderCursor, Boolean(cursor));
  }

  @Access('trade')
  @Mutation(() => Order, { description: 'Place an order; the answer comes once it is durable. Idempotent on clientOrderId.' })
  placeOrder(@Arg('input', () => PlaceOrderInput) input: PlaceOrderInput, @Ctx() ctx: Context): Promise<OrderView> {
    const viewer = requireScope(ctx.viewer, 'trade');
    validIdentifier(input.clientOrderId, 'clientOrderId');
    return exchangeOf(ctx).placeOrder(viewer.userId, { ...input, type: input.type as never });
  }

  @Access('trade')
  @Mutation(() => Order, { description: 'Cancel one of your open orders, by id or by clientOrderId' })
  cancelOrder(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { nullable: true }) id?: string,
    @Arg('clientOrderId', { nullable: true }) clientOrderId?: string,
  ): Promise<OrderView> {
    const viewer = requireScope(ctx.viewer, 'trade');
    if (!id && !clientOrderId) throw badInput('Give id or clientOrderId');
    if (!id && clientOrderId) validIdentifier(clientOrderId, 'clientOrderId');
    return exchangeOf(ctx).cancelOrder(viewer.userId, id ? { orderId: orderId(id) } : { clientOrderId });
  }

  @Access('trade')
  @Mutation(() => Order, { description: 'Change price and/or total quantity; a new price or a larger quantity loses time priority' })
  amendOrder(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: Context,
    @Arg('price', () => DecimalScalar, { nullable: true }) price?: string,
    @Arg('quantity', () => DecimalScalar, { nullable: true }) quantity?: string,
  ): Promise<OrderView> {
    const viewer = requireScope(ctx.viewer, 'trade');
    if (price == null && quantity == null) throw badInput('Give a new price or quantity');
    return exchangeOf(ctx).amendOrder(viewer.userId, orderId(id), { price, quantity });
  }

  @Access('trade')
  @Mutation(() => Int, { description: 'Cancel all your open orders (of one market); returns how many were cancelled' })
  cancelAllOrders(@Ctx() ctx: Context, @Arg('market', { nullable: true }) market?: string): Promise<number> {
    const viewer = requireScope(ctx.viewer, 'trade');
    return exchangeOf(ctx).cancelAll(viewer.userId, market);
  }

  @FieldResolver(() => Market)
  market(@Root() order: OrderSource): Market {
    return { symbol: order.market };
  }

  @FieldResolver(() => User)
  user(@Root() order: OrderSource): User {
    return { id: order.userId };
  }

  @Access('read')
  @Subscription(() => Order, {
    description:
      'Every change to your orders (channel matching.order.<userId>); with `maxPerSecond`, the latest state of each order, at most that often per order',
    subscribe: (resolverData) => {
      const intervalMs = maxPerSecondInterval((resolverData.args as { maxPerSecond?: number | null }).maxPerSecond);
      const changes = viewerChannel<OrderEvent>(orderChannel)(resolverData);
      return intervalMs > 0 ? coalesce(changes, { keyOf: (order) => order.id, intervalMs }) : changes;
    },
  })
  myOrderUpdates(
    @Root() event: OrderEvent,
    @Arg('maxPerSecond', () => Int, { nullable: true, description: MAX_PER_SECOND_DESCRIPTION }) _maxPerSecond: number | undefined,
  ): OrderEvent {
    return event;
  }
}

@Resolver(() => Fill)
export class FillResolver {
  @Access('read')
  @Query(() => FillConnection, { description: 'Your fills, newest first' })
  async myFills(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', { nullable: true }) after?: string,
    @Arg('market', { nullable: true }) market?: string,
    @Arg('since', () => Date, { nullable: true }) since?: Date,
  ): Promise<Connection<FillRecord>> {
    const viewer = requireScope(ctx.viewer, 'read');
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const rows = await ctx.em.find(
      FillRecord,
      {
        userId: viewer.userId,
        ...(market ? { market } : {}),
        ...(since ? { createdAt: { $gte: since } } : {}),
        ...newestFirstAfter(cursor, 'tradeId'),
      },
      { orderBy: { createdAt: 'desc', tradeId: 'desc' }, limit: size + 1 },
    );
    return toConnection(rows, size, fillCursor, Boolean(cursor));
  }

  @FieldResolver(() => ID)
  id(@Root() fill: FillRecord): string {
    return `${fill.tradeId}:${fill.orderId}`;
  }

  @FieldResolver(() => Market)
  market(@Root() fill: FillRecord): Market {
    return { symbol: fill.market };
  }

  @FieldResolver(() => Order, { nullable: true })
  order(@Root() fill: FillRecord, @Ctx() ctx: Context): Promise<OrderRecord | null> {
    return ctx.loaders.orderById.load(fill.orderId);
  }
}

@Resolver(() => Balance)
export class BalanceResolver {
  @Access('read')
  @Query(() => [Balance], { description: 'Your trading balances' })
  myBalances(@Ctx() ctx: Context): BalanceRow[] {
    return exchangeOf(ctx).balances(requireScope(ctx.viewer, 'read').userId);
  }

  @Access('trade')
  @Mutation(() => Balance, {
    description: 'Demo only: credit a trading balance. Off unless MATCHING_DEMO_CREDITS=on; refused in production.',
  })
  creditDemoFunds(
    @Arg('asset') asset: string,
    @Arg('amount', () => DecimalScalar) amount: string,
    @Arg('idempotencyKey') idempotencyKey: string,
    @Ctx() ctx: Context,
  ): Promise<BalanceRow> {
    const viewer = requireScope(ctx.viewer, 'trade');
    if (isProduction() || !ctx.services.demoCredits) throw forbidden('Demo credits are turned off here');
    if (amount.startsWith('-')) throw badInput('amount must be positive', 'amount');
    validIdentifier(idempotencyKey, 'idempotencyKey', 128);
    // Only what the exchange trades: a balance in a made-up asset would sit in the engine forever.
    if (!exchangeOf(ctx).hasAsset(asset)) throw badInput(`${asset.slice(0, 20)} is not an asset of any market`, 'asset');
    exchangeOf(ctx).catalog.requirePrecision(asset, amount, 'amount');
    return exchangeOf(ctx).adjustBalance(viewer.userId, asset, amount, idempotencyKey);
  }

  @Access('read')
  @Subscription(() => Balance, {
    description:
      'Changes to your trading balances (channel matching.balance.<userId>). Each balance you hold comes first (unless `initial: false`), so a screen is never blank until the next change',
    subscribe: (resolverData) => {
      const args = resolverData.args as { initial?: boolean; maxPerSecond?: number | null };
      const intervalMs = maxPerSecondInterval(args.maxPerSecond);
      const changes = viewerChannel<BalanceRow>(balanceChannel)(resolverData);
      const live = intervalMs > 0 ? coalesce(changes, { keyOf: (balance) => balance.asset, intervalMs }) : changes;
      if (args.initial === false) return live;
      const ctx = resolverData.context as Context;
      const userId = ctx.viewer!.userId;
      return startingWith(async () => exchangeOf(ctx).balances(userId), live);
    },
  })
  myBalanceUpdates(
    @Root() event: BalanceRow,
    @Arg('initial', () => Boolean, { nullable: true, defaultValue: true, description: 'Send each balance you hold first (the default); false: changes only' })
    _initial: boolean | undefined,
    @Arg('maxPerSecond', () => Int, { nullable: true, description: MAX_PER_SECOND_DESCRIPTION }) _maxPerSecond: number | undefined,
  ): BalanceRow {
    return event;
  }
}

/** The order book: the first message is a snapshot, then numbered deltas from the Redis feed. */
async function* bookUpdates(context: Context, market: string, depth: number): AsyncGenerator<BookDeltaEvent> {
  const deltas = context.bus.subscribe<BookDeltaEvent>(bookChannel(market));
  try {
    const snapshot = booksOf(context).book(market, depth);
    yield snapshot;
    for await (const delta of deltas) {
      if (delta.sequence > snapshot.sequence) yield delta;
    }
  } finally {
    await deltas.return?.();
  }
}

@Resolver(() => OrderBook)
export class OrderBookResolver {
  // Public market data: a snapshot a second old at most may be served from a cache (the gateway's
  // caches honour this, and a write through the gateway drops them at once). Live depth is the
  // orderBookUpdated subscription, which continues from a snapshot's `sequence`.
  @Directive('@cacheControl(maxAge: 1)')
  @Access('public')
  @Query(() => OrderBook, { description: 'Aggregated price levels of a market, best first' })
  orderBook(
    @Arg('market') market: string,
    @Arg('depth', () => Int, { defaultValue: 20 }) depth: number,
    @Ctx() ctx: Context,
  ): BookDeltaEvent {
    return booksOf(ctx).book(knownMarket(ctx, market), clampDepth(depth));
  }

  @Access('public')
  @Subscription(() => OrderBookUpdate, {
    description: `A snapshot, then deltas (levels whose quantity changed; "0" = gone) numbered without gaps, top ${BOOK_FEED_DEPTH} levels`,
    subscribe: ({ args, context }) => {
      const ctx = context as Context;
      const intervalMs = maxPerSecondInterval(args.maxPerSecond);
      const updates = bookUpdates(ctx, knownMarket(ctx, String(args.market)), clampDepth(Number(args.depth), BOOK_FEED_DEPTH));
      // Capped: deltas within an interval are folded into one, so nothing the book did is lost.
      return intervalMs > 0 ? coalesce(updates, { keyOf: (update) => update.market, intervalMs, merge: mergeBookUpdates }) : updates;
    },
  })
  orderBookUpdated(
    @Root() update: BookDeltaEvent,
    @Arg('market') _market: string,
    @Arg('depth', () => Int, { defaultValue: 20 }) _depth: number,
    @Arg('maxPerSecond', () => Int, {
      nullable: true,
      description: `${MAX_PER_SECOND_DESCRIPTION}. The deltas of a second are merged into one (a delta after a snapshot into the snapshot), so applying what arrives still gives the book; its sequence is the last one merged, so numbers may skip`,
    })
    _maxPerSecond: number | undefined,
  ): BookDeltaEvent {
    return update;
  }

  @Access('public')
  @Subscription(() => Trade, {
    description:
      'Trades on a market as they happen (channel matching.trades.<market>); with `maxPerSecond`, the latest trade of each interval (the ones between are in `trades`)',
    subscribe: ({ args, context }) => {
      const ctx = context as Context;
      const intervalMs = maxPerSecondInterval(args.maxPerSecond);
      const trades = ctx.bus.subscribe<TradeEvent>(tradesChannel(knownMarket(ctx, String(args.market))));
      return intervalMs > 0 ? coalesce(trades, { keyOf: (trade) => trade.market, intervalMs }) : trades;
    },
  })
  tradesExecuted(
    @Root() trade: TradeEvent,
    @Arg('market') _market: string,
    @Arg('maxPerSecond', () => Int, { nullable: true, description: MAX_PER_SECOND_DESCRIPTION }) _maxPerSecond: number | undefined,
  ): TradeEvent {
    return trade;
  }
}

@Resolver(() => Market)
export class MarketOrderBookResolver {
  @Directive('@cacheControl(maxAge: 1)') // as Query.orderBook
  @FieldResolver(() => OrderBook, { description: 'Resting orders of this market by price level' })
  orderBook(
    @Root() market: Market,
    @Arg('depth', () => Int, { defaultValue: 10 }) depth: number,
    @Ctx() ctx: Context,
  ): BookDeltaEvent {
    return booksOf(ctx).book(market.symbol, clampDepth(depth));
  }
}

@Resolver(() => User)
export class UserOrdersResolver {
  @Access('read')
  @FieldResolver(() => OrderConnection, { description: "The user's newest orders (page further with myOrders)" })
  async orders(
    @Root() user: User,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
  ): Promise<Connection<OrderRecord>> {
    if (!canReadUserData(ctx.viewer, user.id)) throw forbidden();
    const size = pageSize(first, 20);
    const rows = await ctx.loaders.recentOrdersOfUser(size + 1).load(user.id);
    return toConnection(rows, size, orderCursor, false);
  }

  @Access('read')
  @FieldResolver(() => [Balance], { description: "The user's trading balances" })
  balances(@Root() user: User, @Ctx() ctx: Context): BalanceRow[] {
    if (!canReadUserData(ctx.viewer, user.id)) throw forbidden();
    return exchangeOf(ctx).balances(user.id);
  }
}

/** Fees: every market's rates, the schedule, and the user's own tier (docs/architecture.md, "Fees"). */
@Resolver(() => Market)
export class MarketFeesResolver {
  @FieldResolver(() => MarketFees, { description: "The market's fee rates (fee tier 0; a user's tier may lower them: me.feeTier)" })
  fees(@Root() market: Market, @Ctx() ctx: Context): MarketFees {
    const spec = exchangeOf(ctx).sequencer.engine.marketSpec(market.symbol);
    if (!spec) throw notFound('Unknown market');
    return { maker: bpsToRate(spec.makerFeeBps), taker: bpsToRate(spec.takerFeeBps) };
  }
}

@Resolver(() => User)
export class UserFeeTierResolver {
  @Access('read')
  @FieldResolver(() => FeeTier, { description: "The user's fee tier, from their 30-day volume (FEE_TIERS)" })
  async feeTier(@Root() user: User, @Ctx() ctx: Context): Promise<FeeTier> {
    if (!canReadUserData(ctx.viewer, user.id)) throw forbidden();
    const host = ctx.services.engine;
    const sequencer = exchangeOf(ctx).sequencer;
    const schedule = ctx.services.feeSchedule;
    const { level, makerBps, takerBps } = sequencer.engine.userFees(user.id);
    const base = schedule[0];
    const next = schedule.find((tier) => tier.level === level + 1);
    return {
      level,
      // Level 0 pays the markets' own rates, which the schedule's level 0 sets.
      maker: bpsToRate(level === 0 ? base.makerBps : makerBps),
      taker: bpsToRate(level === 0 ? base.takerBps : takerBps),
      thirtyDayVolume: await host.feeTiers.volumeOf(sequencer, user.id),
      nextLevelVolume: next?.minVolume ?? null,
    };
  }
}

@Resolver()
export class FeeScheduleResolver {
  @Access('public')
  @Query(() => [FeeScheduleTier], { description: 'The fee schedule: tiers by 30-day volume (FEE_TIERS)' })
  feeSchedule(@Ctx() ctx: Context): FeeScheduleTier[] {
    return ctx.services.feeSchedule.map((tier) => ({
      level: tier.level,
      minVolume: tier.minVolume,
      maker: bpsToRate(tier.makerBps),
      taker: bpsToRate(tier.takerBps),
    }));
  }
}

/** Public recent trades of a market, newest first (app/recent-trades.ts). */
@Resolver(() => Trade)
export class RecentTradesResolver {
  @Directive('@cacheControl(maxAge: 1)')
  @Access('public')
  @Query(() => TradeConnection, { description: "A market's executed trades, newest first; page on with `after` (a cursor of this list)" })
  async trades(
    @Arg('market') market: string,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', { nullable: true }) after?: string,
  ): Promise<Connection<TradeEvent>> {
    knownMarket(ctx, market);
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    if (cursor !== undefined && !/^[0-9]{1,19}$/.test(cursor)) throw badInput('after is not a cursor from this list', 'after');
    const rows = await ctx.services.engine.recentTrades.page(market, size + 1, cursor === undefined ? undefined : BigInt(cursor));
    return toConnection(rows, size, (trade) => trade.tradeId, cursor !== undefined);
  }
}
