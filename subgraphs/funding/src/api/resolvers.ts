import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  type DepositEvent,
  Access,
  canReadUserData,
  decodeCursor,
  forbidden,
  newestFirstCursor,
  pageSize,
  requireScope,
  requireViewer,
  toConnection,
  type Connection,
} from '@tradegraph/shared';
import type { DepositRecord } from '../infra';
import type { Context } from './context';
import { Asset, Deposit, DepositConnection, User } from './types';
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
    const rows = await ctx.services.history.page(ctx.em, viewer.userId, cursor, size);
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
    subscribe: ({ context }) => {
      const ctx = context as Context;
      // Events about a user are user data: API keys need the read scope.
      return ctx.services.updates.of(requireScope(ctx.viewer, 'read').userId);
    },
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
