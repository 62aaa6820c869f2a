import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { Access, badInput, requireRole } from '@tradegraph/shared';
import type { ReconciliationView } from '../app/reconciliation';
import type { Context } from './context';
import { Reconciliation } from './reconciliation-types';

@Resolver(() => Reconciliation)
export class ReconciliationResolver {
  @Access('session')
  @Query(() => Reconciliation, {
    description:
      "Admin: for every asset, matching's balances and fees against the ledger, and the hot wallet and deposit addresses on chain against the ledger, with the differences, the open deposits and withdrawals, and the newest postings (postingsPerAsset, 0..100, default 10)",
  })
  reconciliation(@Ctx() ctx: Context, @Arg('postingsPerAsset', () => Int, { nullable: true }) postingsPerAsset?: number): Promise<ReconciliationView> {
    requireRole(ctx.viewer, 'admin');
    const n = postingsPerAsset ?? 10;
    if (!Number.isInteger(n) || n < 0 || n > 100) throw badInput('postingsPerAsset is 0..100', 'postingsPerAsset');
    return ctx.services.reconciliation.report(n);
  }
}
