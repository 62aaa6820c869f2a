import { Arg, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Access, DecimalScalar, notFound, pageSize, requireRole, requireScope, type WithdrawalEvent } from '@tradegraph/shared';
import type { WithdrawalAddressRow, WithdrawalRecord } from '../infra';
import type { Context } from './context';
import { oneWithdrawal, withdrawalEvent } from '../events/withdrawal-updates';
import { RequestWithdrawalInput, Withdrawal, WithdrawalAddress, WithdrawalQuote } from './withdrawal-types';

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

  @Access('withdraw')
  @Mutation(() => WithdrawalAddress, {
    description:
      'Add an address to your withdrawal address book (two-factor code required); usable after WITHDRAWAL_ADDRESS_COOLOFF_SECONDS. WITHDRAWAL_INVALID_ADDRESS, WITHDRAWAL_UNKNOWN_CHAIN, WITHDRAWAL_OWN_ADDRESS',
  })
  addWithdrawalAddress(
    @Arg('chain') chain: string,
    @Arg('address') address: string,
    @Arg('twoFactorCode') twoFactorCode: string,
    @Ctx() ctx: Context,
    @Arg('label', () => String, { nullable: true }) label?: string,
  ): Promise<WithdrawalAddressRow> {
    const viewer = requireScope(ctx.viewer, 'withdraw');
    return ctx.services.withdrawals.addAddress(viewer.userId, ctx.clientIp, chain, address, label ?? '', twoFactorCode);
  }

  @Access('read')
  @Query(() => [WithdrawalAddress], { description: 'Your withdrawal address book' })
  myWithdrawalAddresses(@Ctx() ctx: Context): Promise<WithdrawalAddressRow[]> {
    return ctx.services.withdrawals.addresses(requireScope(ctx.viewer, 'read').userId);
  }

  @Access('withdraw')
  @Mutation(() => Boolean, { description: 'Allow-list-only on: withdrawals only to addresses in your book (two-factor code required to change it)' })
  setWithdrawalAllowListOnly(@Arg('enabled') enabled: boolean, @Arg('twoFactorCode') twoFactorCode: string, @Ctx() ctx: Context): Promise<boolean> {
    const viewer = requireScope(ctx.viewer, 'withdraw');
    return ctx.services.withdrawals.setAllowListOnly(viewer.userId, ctx.clientIp, enabled, twoFactorCode);
  }

  @Access('session')
  @Mutation(() => Withdrawal, { description: 'Admin: a held withdrawal goes on to be sent (audited)' })
  approveWithdrawal(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<WithdrawalRecord> {
    requireRole(ctx.viewer, 'admin');
    return ctx.services.withdrawals.approve(ctx, id);
  }

  @Access('session')
  @Mutation(() => Withdrawal, { description: 'Admin: a held withdrawal fails and its debit is given back (audited)' })
  rejectWithdrawal(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Ctx() ctx: Context): Promise<WithdrawalRecord> {
    requireRole(ctx.viewer, 'admin');
    return ctx.services.withdrawals.reject(ctx, id, reason);
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

  @Access('read')
  @Subscription(() => Withdrawal, {
    description:
      'One of your withdrawals (an admin: anyone\'s): its state now, then every change, ending after completed or failed. NOT_FOUND for a withdrawal that is not yours',
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const viewer = requireScope(ctx.viewer, 'read');
      const id = String((args as { id: string }).id);
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('No such withdrawal');
      const first = await ctx.services.withdrawals.byId(id);
      if (!first || !first.lockedAt || (first.userId !== viewer.userId && !viewer.roles.includes('admin'))) throw notFound('No such withdrawal');
      // Subscribed before the state is read again: no change falls between the two.
      const live = ctx.services.withdrawalUpdates.of(first.userId);
      const now = (await ctx.services.withdrawals.byId(id)) ?? first;
      return oneWithdrawal(withdrawalEvent(now), live);
    },
  })
  withdrawalUpdated(@Arg('id', () => ID) _id: string, @Root() event: WithdrawalEvent): WithdrawalEvent {
    return event;
  }
}
