import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  canReadUserData,
  decodeCursor,
  forbidden,
  pageSize,
  requireViewer,
  toConnection,
  type Connection,
  type SubgraphContext,
} from '@tradegraph/shared';
import { DepositRecord, type FundingLoaders } from '../store';
import { depositChannel, type DepositEvent } from '../events/channels';
import { Asset, Deposit, DepositConnection, User } from './types';

type Context = SubgraphContext<FundingLoaders>;
type DepositSource = DepositRecord | DepositEvent;

const depositCursor = (d: DepositSource) => `${new Date(d.createdAt).toISOString()}|${d.id}`;

@Resolver(() => Deposit)
export class DepositResolver {
  @Query(() => DepositConnection, { description: 'Your deposits, newest first' })
  async myDeposits(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', { nullable: true }) after?: string,
  ): Promise<Connection<DepositRecord>> {
    const viewer = requireViewer(ctx.viewer);
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const [at, id] = cursor ? cursor.split('|') : [];
    const rows = await ctx.em.find(
      DepositRecord,
      {
        userId: viewer.userId,
        ...(cursor ? { $or: [{ createdAt: { $lt: new Date(at) } }, { createdAt: new Date(at), id: { $lt: id } }] } : {}),
      },
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

  @Subscription(() => Deposit, {
    description: 'Progress of your deposits (channel funding.deposit.<userId>)',
    subscribe: ({ context }) => {
      const viewer = requireViewer((context as Context).viewer);
      return (context as Context).bus.subscribe<DepositEvent>(depositChannel(viewer.userId));
    },
  })
  myDepositUpdates(@Root() event: DepositEvent): DepositEvent {
    return event;
  }
}

@Resolver(() => User)
export class UserDepositsResolver {
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
