import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  depositChannel,
  type DepositEvent,
  Access,
  canReadUserData,
  decodeCursor,
  forbidden,
  newestFirstAfter,
  newestFirstCursor,
  pageSize,
  requireViewer,
  toConnection,
  viewerChannel,
  type Connection,
  type SubgraphContext,
} from '@tradegraph/shared';
import { DepositRecord, type FundingLoaders } from '../store';
import { Asset, Deposit, DepositConnection, User } from './types';

type Context = SubgraphContext<FundingLoaders>;
type DepositSource = DepositRecord | DepositEvent;

const depositCursor = (d: DepositSource) => newestFirstCursor(d.createdAt, d.id);

@Resolver(() => Deposit)
export class DepositResolver {
  @Access('read')
  @Query(() => DepositConnection, { description: 'Your deposits, newest first' })
  async myDeposits(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', { nullable: true }) after?: string,
  ): Promise<Connection<DepositRecord>> {
    const viewer = requireViewer(ctx.viewer);
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const rows = await ctx.em.find(
      DepositRecord,
      { userId: viewer.userId, ...newestFirstAfter(cursor, 'id') },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
    );
    return toConnection(rows, size, depositCursor, Boolean(cursor));
  }

  @FieldResolver(() => Asset)
  asset(@Root() deposit: DepositSource): Asset {
    return { symbol: deposit.asset };
  }

  @FieldResolver(() => User)
  user(@Root() deposit: DepositSource): User {
    return { id: deposit.userId };
  }

  @Access('read')
  @Subscription(() => Deposit, {
    description: 'Progress of your deposits (channel funding.deposit.<userId>)',
    subscribe: viewerChannel<DepositEvent>(depositChannel),
  })
  myDepositUpdates(@Root() event: DepositEvent): DepositEvent {
    return event;
  }
}

@Resolver(() => User)
export class UserDepositsResolver {
  @Access('read')
  @FieldResolver(() => DepositConnection, { description: "The user's newest deposits (page further with myDeposits)" })
  async deposits(
    @Root() user: User,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
  ): Promise<Connection<DepositRecord>> {
    if (!canReadUserData(ctx.viewer, user.id)) throw forbidden();
    const size = pageSize(first, 20);
    const rows = await ctx.loaders.recentDepositsOfUser(size + 1).load(user.id);
    return toConnection(rows, size, depositCursor, false);
  }
}
