import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  canReadUserData,
  decodeCursor,
  forbidden,
  pageSize,
  requireViewer,
  toConnection,
  toUnits,
  type Connection,
  type SubgraphContext,
} from '@tradegraph/shared';
import { OrderRecord, type MatchingLoaders } from '../store';
import { orderChannel, type OrderEvent } from '../events/channels';
import { BookLevel, Market, Order, OrderBook, OrderConnection, OrderStatus, User } from './types';

type Context = SubgraphContext<MatchingLoaders>;
type OrderSource = OrderRecord | OrderEvent;

/** Orders sort newest first; the cursor is `createdAt|id`, which is unique and ordered. */
const orderCursor = (order: OrderSource) => `${new Date(order.createdAt).toISOString()}|${order.id}`;

@Resolver(() => Order)
export class OrderResolver {
  @Query(() => Order, { nullable: true, description: 'One of your orders' })
  async order(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<OrderRecord | null> {
    requireViewer(ctx.viewer);
    const order = await ctx.loaders.orderById.load(id);
    if (order && !canReadUserData(ctx.viewer, order.userId)) throw forbidden();
    return order;
  }

  @Query(() => OrderConnection, { description: 'Your orders, newest first' })
  async myOrders(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', { nullable: true }) after?: string,
    @Arg('market', { nullable: true }) market?: string,
    @Arg('status', () => OrderStatus, { nullable: true }) status?: OrderStatus,
  ): Promise<Connection<OrderRecord>> {
    const viewer = requireViewer(ctx.viewer);
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const [cursorAt, cursorId] = cursor ? cursor.split('|') : [];
    const rows = await ctx.em.find(
      OrderRecord,
      {
        userId: viewer.userId,
        ...(market ? { market } : {}),
        ...(status ? { status } : {}),
        ...(cursor ? { $or: [{ createdAt: { $lt: new Date(cursorAt) } }, { createdAt: new Date(cursorAt), id: { $lt: cursorId } }] } : {}),
      },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
    );
    return toConnection(rows, size, orderCursor, Boolean(cursor));
  }

  @FieldResolver(() => Market)
  market(@Root() order: OrderSource): Market {
    return { symbol: order.market };
  }

  @FieldResolver(() => User)
  user(@Root() order: OrderSource): User {
    return { id: order.userId };
  }

  @Subscription(() => Order, {
    description: 'Every change to your orders (channel matching.order.<userId>)',
    subscribe: ({ context }) => {
      const viewer = requireViewer((context as Context).viewer);
      return (context as Context).bus.subscribe<OrderEvent>(orderChannel(viewer.userId));
    },
  })
  myOrderUpdates(@Root() event: OrderEvent): OrderEvent {
    return event;
  }
}

@Resolver(() => Market)
export class MarketOrderBookResolver {
  @FieldResolver(() => OrderBook, { description: 'Resting orders of this market by price level' })
  async orderBook(
    @Root() market: Market,
    @Ctx() ctx: Context,
    @Arg('depth', () => Int, { defaultValue: 10 }) depth: number,
  ): Promise<OrderBook> {
    const levels = await ctx.loaders.bookLevelsByMarket.load(market.symbol);
    const byPrice = (a: BookLevel, b: BookLevel) => {
      const diff = toUnits(a.price) - toUnits(b.price);
      return diff < 0n ? -1 : diff > 0n ? 1 : 0;
    };
    const toLevel = (l: BookLevel): BookLevel => ({ price: l.price, quantity: l.quantity, orders: l.orders });
    const bids = levels
      .filter((l) => l.side === 'buy')
      .map(toLevel)
      .sort((a, b) => byPrice(b, a));
    const asks = levels
      .filter((l) => l.side === 'sell')
      .map(toLevel)
      .sort(byPrice);
    const limit = Math.max(1, Math.min(depth, 500));
    return { bids: bids.slice(0, limit), asks: asks.slice(0, limit) };
  }
}

@Resolver(() => User)
export class UserOrdersResolver {
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
}
