import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  type DepositEvent,
  Access,
  DecimalScalar,
  canReadUserData,
  decodeCursor,
  forbidden,
  isProduction,
  newestFirstCursor,
  notFound,
  badInput,
  pageSize,
  requireRole,
  requireScope,
  toConnection,
  type Connection,
} from '@tradegraph/shared';
import type { DepositFilter, DepositRecord } from '../infra';
import type { Context } from './context';
import { Asset, Deposit, DepositAddress, DepositChain, DepositConnection, DepositFilterInput, DevnetPayment, User } from './types';
type DepositSource = DepositRecord | DepositEvent;

const depositCursor = (d: DepositSource) => newestFirstCursor(d.createdAt, d.id);

function afterCursor(after: string | undefined): { createdAt: Date; id: string } | undefined {
  const cursor = decodeCursor(after);
  if (!cursor) return undefined;
  const [at, id] = cursor.split('|');
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id ?? '')) throw badInput('after is not a cursor from this list', 'after');
  return { createdAt, id };
}

function toFilter(input: DepositFilterInput | undefined): DepositFilter {
  if (!input) return {};
  if (input.chain !== undefined && input.chain.length > 40) throw badInput('chain is at most 40 characters', 'filter.chain');
  if (input.asset !== undefined && input.asset.length > 20) throw badInput('asset is at most 20 characters', 'filter.asset');
  return { statuses: input.statuses, chain: input.chain ?? undefined, asset: input.asset ?? undefined, since: input.since ?? undefined };
}

@Resolver(() => Deposit)
export class DepositResolver {
  @Access('read')
  @Query(() => DepositConnection, { description: 'Your deposits, newest first' })
  async myDeposits(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', { nullable: true }) after?: string,
    @Arg('filter', () => DepositFilterInput, { nullable: true }) filter?: DepositFilterInput,
  ): Promise<Connection<DepositRecord>> {
    const viewer = requireScope(ctx.viewer, 'read');
    const size = pageSize(first);
    const cursor = afterCursor(after);
    const rows = await ctx.services.history.page(ctx.em, viewer.userId, toFilter(filter), cursor, size);
    return toConnection(rows, size, depositCursor, Boolean(cursor));
  }

  @Access('read')
  @Query(() => Deposit, { description: 'One deposit: its owner or an admin only (NOT_FOUND for anyone else)' })
  async deposit(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<DepositRecord> {
    const viewer = requireScope(ctx.viewer, 'read');
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('No such deposit');
    const deposit = await ctx.loaders.depositById.load(id);
    if (!deposit || (deposit.userId !== viewer.userId && !viewer.roles.includes('admin'))) throw notFound('No such deposit');
    return deposit;
  }

  @Access('public')
  @Query(() => [DepositChain], { description: 'The chains deposits arrive on, and what each accepts' })
  depositChains(@Ctx() ctx: Context): DepositChain[] {
    return ctx.services.chains.describe();
  }

  @Access('read')
  @Mutation(() => DepositAddress, { description: 'Your deposit address on a chain, made on first use (always the same afterwards)' })
  async depositAddress(@Arg('chain') chain: string, @Ctx() ctx: Context): Promise<DepositAddress> {
    const viewer = requireScope(ctx.viewer, 'read');
    const row = await ctx.services.chains.depositAddress(viewer.userId, chain);
    return { chain: row.chain, address: row.address, createdAt: new Date(row.createdAt) };
  }

  @Access('read')
  @Mutation(() => [Deposit], {
    description:
      'Report a transaction that paid your deposit address: verified on chain and followed like any deposit. DEPOSIT_TX_NOT_FOUND, DEPOSIT_WRONG_RECIPIENT, DEPOSIT_ALREADY_CREDITED',
  })
  reportDeposit(@Arg('chain') chain: string, @Arg('txHash') txHash: string, @Ctx() ctx: Context): Promise<DepositRecord[]> {
    const viewer = requireScope(ctx.viewer, 'read');
    return ctx.services.chains.report(viewer.userId, chain, txHash);
  }

  @Access('session')
  @Mutation(() => Deposit, { description: 'Admin: settle a failed deposit again (its swap, then its credit; never credited twice)' })
  async retryDeposit(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<DepositRecord> {
    requireRole(ctx.viewer, 'admin');
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('No such deposit');
    return ctx.services.chains.retry(id);
  }

  @Access('trade')
  @Mutation(() => DevnetPayment, {
    description: 'Dev only (local chains): pays you test money on a chain, to your deposit address unless `to` names another. Refused in production.',
  })
  async devnetFaucet(
    @Arg('chain') chain: string,
    @Arg('asset') asset: string,
    @Arg('amount', () => DecimalScalar) amount: string,
    @Ctx() ctx: Context,
    @Arg('to', () => String, { nullable: true }) to?: string,
  ): Promise<DevnetPayment> {
    const viewer = requireScope(ctx.viewer, 'trade');
    if (isProduction()) throw forbidden('The devnet faucet is turned off here');
    return ctx.services.chains.faucet(viewer.userId, chain, asset, amount, to ?? undefined);
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
    description: 'Progress of your deposits, every change in order (channel funding.deposit.<userId>)',
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
  @FieldResolver(() => DepositConnection, { description: "The user's newest deposits, optionally filtered (page further with myDeposits)" })
  async deposits(
    @Root() user: User,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('filter', () => DepositFilterInput, { nullable: true }) filter?: DepositFilterInput,
  ): Promise<Connection<DepositRecord>> {
    if (!canReadUserData(ctx.viewer, user.id)) throw forbidden();
    const size = pageSize(first, 20);
    const rows = filter
      ? await ctx.services.history.page(ctx.em, user.id, toFilter(filter), undefined, size)
      : await ctx.loaders.recentDepositsOfUser(size + 1).load(user.id);
    return toConnection(rows, size, depositCursor, false);
  }
}
