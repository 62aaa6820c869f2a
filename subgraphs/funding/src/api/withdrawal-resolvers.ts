import { Arg, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Access, DecimalScalar, notFound, pageSize, requireScope, type WithdrawalEvent } from '@tradegraph/shared';
import type { WithdrawalRecord } from '../infra';
import type { Context } from './context';
import { RequestWithdrawalInput, Withdrawal, WithdrawalQuote } from './withdrawal-types';

@Resolver(() => Withdrawal)
export class WithdrawalResolver {
  @Access('read')
  @Query(() => WithdrawalQuote, {
    description:
      'What withdrawing would cost now: the live network fee and the exchange fee; expires (FUNDING_WITHDRAWAL_QUOTE_SECONDS). WITHDRAWAL_UNKNOWN_CHAIN, WITHDRAWAL_UNKNOWN_ASSET, WITHDRAWAL_INVALID_AMOUNT',
  })
  withdrawalQuote(
    @Arg('asset') asset: string,
    @Arg('chain') chain: string,
    @Arg('amount', () => DecimalScalar) amount: string,
    @Ctx() ctx: Context,
  ): Promise<WithdrawalQuote> {
    const viewer = requireScope(ctx.viewer, 'read');
    return ctx.services.withdrawals.quote(viewer.userId, chain, asset, amount);
  }

  @Access('withdraw')
  @Mutation(() => Withdrawal, {
    description:
      'Send money out: TOTP two-factor required (WITHDRAWAL_TWO_FACTOR_REQUIRED without it, WITHDRAWAL_TWO_FACTOR_WRONG). The total is debited at once. WITHDRAWAL_INVALID_AMOUNT, WITHDRAWAL_INVALID_ADDRESS, WITHDRAWAL_UNKNOWN_CHAIN, WITHDRAWAL_UNKNOWN_ASSET, WITHDRAWAL_OWN_ADDRESS, WITHDRAWAL_QUOTE_EXPIRED, WITHDRAWAL_QUOTE_MISMATCH, INSUFFICIENT_FUNDS, CONFLICT (key used for another)',
  })
  requestWithdrawal(@Arg('input', () => RequestWithdrawalInput) input: RequestWithdrawalInput, @Ctx() ctx: Context): Promise<WithdrawalRecord> {
    const viewer = requireScope(ctx.viewer, 'withdraw');
    return ctx.services.withdrawals.request(viewer.userId, ctx.clientIp, { ...input, quoteId: input.quoteId ?? undefined });
  }

  @Access('read')
  @Query(() => [Withdrawal], { description: 'Your withdrawals, newest first' })
  myWithdrawals(@Ctx() ctx: Context, @Arg('first', () => Int, { nullable: true }) first?: number): Promise<WithdrawalRecord[]> {
    const viewer = requireScope(ctx.viewer, 'read');
    return ctx.services.withdrawals.ofUser(viewer.userId, pageSize(first));
  }

  @Access('read')
  @Query(() => Withdrawal, { description: 'One withdrawal: its owner or an admin only (NOT_FOUND for anyone else)' })
  async withdrawal(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<WithdrawalRecord> {
    const viewer = requireScope(ctx.viewer, 'read');
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('No such withdrawal');
    const found = await ctx.services.withdrawals.byId(id);
    if (!found || !found.lockedAt || (found.userId !== viewer.userId && !viewer.roles.includes('admin'))) throw notFound('No such withdrawal');
    return found;
  }

  @Access('read')
  @Subscription(() => Withdrawal, {
    description: 'Progress of your withdrawals, every change in order (channel funding.withdrawal.<userId>)',
    subscribe: ({ context }) => {
      const ctx = context as Context;
      return ctx.services.withdrawalUpdates.of(requireScope(ctx.viewer, 'read').userId);
    },
  })
  myWithdrawalUpdates(@Root() event: WithdrawalEvent): WithdrawalEvent {
    return event;
  }
}
