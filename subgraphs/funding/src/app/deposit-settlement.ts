import type { ChainSpec, DepositSwap, Logger } from '@tradegraph/shared';
import { creditKey } from '../domain/deposits';
import type { SwapPort } from '../domain/swaps';
import type { DepositRecord, MatchingCredits } from '../infra';
import type { DepositChanges } from './deposit-changes';

/** The settlement asset: every deposit ends up as this, on the settlement chain. */
export const SETTLEMENT_ASSET = 'USDC';

/**
 * A confirmed deposit's way to the trading balance: USDC on the settlement chain is credited as
 * it is; anything else goes through the swap port first (`swapping`), and the credit is what
 * the swap delivered. The credit is an AdjustBalance in matching with the key of the deposit's
 * identity on chain (domain/deposits.ts creditKey): every step is recorded before the next, and
 * a deposit found half-way after a crash resumes where it stood — matching answers a repeated
 * key with the first result, so it is credited exactly once.
 */
export class DepositSettlement {
  constructor(
    private readonly changes: DepositChanges,
    private readonly credits: MatchingCredits,
    private readonly swaps: SwapPort,
    private readonly settlementChain: string,
    private readonly chains: ReadonlyMap<string, ChainSpec>,
    private readonly logger: Logger,
  ) {}

  isSettlementAsset(deposit: DepositRecord): boolean {
    return deposit.network === this.settlementChain && deposit.asset === SETTLEMENT_ASSET;
  }

  private decimalsOf(chain: string, asset: string): number {
    const spec = this.chains.get(chain);
    if (!spec) throw new Error(`unknown chain ${chain}`);
    if (spec.native.symbol === asset) return spec.native.decimals;
    const token = spec.tokens.find((t) => t.symbol === asset);
    if (!token) throw new Error(`${asset} is not a token of ${chain}`);
    return token.decimals;
  }

  /**
   * Takes a confirmed (or swapping) deposit as far as it can go now and answers where it stands
   * (null when another writer moved it meanwhile); throws when a provider is away (the next pass
   * retries).
   */
  async settle(deposit: DepositRecord): Promise<DepositRecord | null> {
    let current: DepositRecord | null = deposit;
    if (current.status === 'confirmed') {
      if (this.isSettlementAsset(current)) return this.credit(current, current.amount);
      const pending: DepositSwap = {
        provider: this.swaps.name,
        status: 'pending',
        fromAsset: current.asset,
        fromAmount: current.amount,
        toAsset: SETTLEMENT_ASSET,
        toAmount: null,
        price: null,
        fee: null,
        route: '',
        sourceTxHash: null,
        destinationTxHash: null,
      };
      current = await this.changes.move(current, { status: 'swapping', swap: pending, failure: null });
    }
    if (!current || current.status !== 'swapping') return current;
    if (current.swap?.status !== 'done' || current.swap.toAmount === null) {
      let latest: DepositRecord = current;
      const outcome = await this.swaps.swap({
        fromAddress: (current.toAddress ?? '').toLowerCase(),
        // A provider's steps (quote, source transaction) shown on the deposit as they happen.
        progress: async (swap) => {
          latest = (await this.changes.move(latest, { status: 'swapping', swap })) ?? latest;
        },
        depositId: current.id,
        chain: current.network,
        asset: current.asset,
        amount: current.amount,
        decimals: this.decimalsOf(current.network, current.asset),
        toAsset: SETTLEMENT_ASSET,
        toDecimals: this.decimalsOf(this.settlementChain, SETTLEMENT_ASSET),
      });
      current = latest;
      if (outcome.kind === 'no_route') return this.changes.move(current, { status: 'unsupported_token', failure: outcome.reason });
      if (outcome.kind === 'failed') {
        this.logger.warn({ deposit: current.id, reason: outcome.reason }, 'deposit swap failed');
        return this.changes.move(current, { status: 'failed', swap: outcome.swap, failure: outcome.reason });
      }
      current = await this.changes.move(current, { status: 'swapping', swap: outcome.swap });
      if (!current) return null;
    }
    return this.credit(current, current.swap!.toAmount!);
  }

  /**
   * Credits many confirmed deposits of the settlement asset at once (a watcher pass): one batch
   * to matching, each credit under its deposit's own key, then every answer recorded in one
   * statement — `credited`, or `failed` for a credit matching refused. A credit matching could
   * not take now leaves its deposit `confirmed`, for the next pass. Returns the deposits moved,
   * by id. A crash between matching's answer and the statement leaves them `confirmed`: the
   * next pass sends the same keys, and matching answers them without crediting again.
   */
  async creditMany(deposits: readonly DepositRecord[]): Promise<Map<string, DepositRecord>> {
    if (deposits.length === 0) return new Map();
    const answers = await this.credits.creditMany(
      deposits.map((deposit) => ({
        userId: deposit.userId,
        asset: SETTLEMENT_ASSET,
        amount: deposit.amount,
        idempotencyKey: creditKey(deposit.network, deposit.txHash!, deposit.logIndex),
      })),
    );
    const moves: Parameters<DepositChanges['moveMany']>[0][number][] = [];
    let unavailable: string | undefined;
    answers.forEach((answer, i) => {
      const deposit = deposits[i];
      if (answer.kind === 'unavailable') unavailable ??= answer.reason;
      else if (answer.kind === 'refused') {
        this.logger.warn({ deposit: deposit.id, code: answer.code }, 'matching refused a deposit credit');
        moves.push({ deposit, change: { status: 'failed', failure: `${answer.code}: ${answer.message}` } });
      } else moves.push({ deposit, change: { status: 'credited', creditedAmount: deposit.amount, failure: null } });
    });
    const moved = await this.changes.moveMany(moves);
    if (unavailable !== undefined) {
      this.logger.warn(
        { deposits: deposits.length - moves.length, reason: unavailable },
        'matching did not take some deposit credits; will retry',
      );
    }
    return moved;
  }

  private async credit(deposit: DepositRecord, amount: string): Promise<DepositRecord | null> {
    const answer = await this.credits.credit({
      userId: deposit.userId,
      asset: SETTLEMENT_ASSET,
      amount,
      idempotencyKey: creditKey(deposit.network, deposit.txHash!, deposit.logIndex),
    });
    if (answer.kind === 'unavailable') throw new Error(`matching did not take the credit of deposit ${deposit.id}: ${answer.reason}`);
    if (answer.kind === 'refused') {
      this.logger.warn({ deposit: deposit.id, code: answer.code }, 'matching refused a deposit credit');
      return this.changes.move(deposit, { status: 'failed', failure: `${answer.code}: ${answer.message}` });
    }
    return this.changes.move(deposit, { status: 'credited', creditedAmount: amount, failure: null });
  }
}
