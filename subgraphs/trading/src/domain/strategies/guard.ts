import { z } from 'zod';
import { invalidInput } from '@tradegraph/shared/domain';
import { decimalString, positiveInt } from './schema';
import type { Intent, Strategy, StrategyDefinition, StrategyInput, StrategyMarket } from './types';
import { baseAtomsPerLot, priceTicks, quantityLots } from './units';

/**
 * Stop-loss / take-profit guard ("stop-loss / stop-win") around a holding the account already
 * has: when a candle closes at or below the stop, or at or above the take-profit, it market-sells
 * the guarded quantity (all the base held without `quantity`) and is done. With `trailingBps`
 * the stop follows the highest close, that many basis points below it, never below `stopLoss`.
 * It reacts to closes, as a bot reacts to ticks: a wick through the stop that closes above it
 * does not sell.
 */
export const guardParams = z
  .object({
    stopLoss: decimalString.optional(),
    takeProfit: decimalString.optional(),
    trailingBps: positiveInt(9_999).optional(),
    quantity: decimalString.optional(),
  })
  .strict();

export type GuardParams = z.infer<typeof guardParams>;

export class GuardStrategy implements Strategy {
  readonly indicators = [];
  private readonly stopLoss: number;
  private readonly takeProfit: number;
  private readonly quantity: number | undefined;
  private readonly baseAtomsPerLot: number;
  private highest = 0;
  private done = false;

  constructor(
    private readonly params: GuardParams,
    market: StrategyMarket,
  ) {
    if (params.stopLoss === undefined && params.takeProfit === undefined && params.trailingBps === undefined) {
      throw invalidInput('set at least one of stopLoss, takeProfit, trailingBps', 'stopLoss');
    }
    this.stopLoss = params.stopLoss === undefined ? 0 : priceTicks(market, params.stopLoss, 'stopLoss');
    this.takeProfit = params.takeProfit === undefined ? Infinity : priceTicks(market, params.takeProfit, 'takeProfit');
    if (this.takeProfit <= this.stopLoss) throw invalidInput('takeProfit must be above stopLoss', 'takeProfit');
    this.quantity = params.quantity === undefined ? undefined : quantityLots(market, params.quantity, 'quantity');
    this.baseAtomsPerLot = baseAtomsPerLot(market);
  }

  /** The stop in ticks after this close (trailing raises it, never lowers it). */
  stopAt(close: number): number {
    if (close > this.highest) this.highest = close;
    const trailing = this.params.trailingBps === undefined ? 0 : Math.floor((this.highest * (10_000 - this.params.trailingBps)) / 10_000);
    return Math.max(this.stopLoss, trailing);
  }

  step(input: StrategyInput): Intent[] {
    if (this.done) return [];
    const close = input.candle.close;
    const stop = this.stopAt(close);
    const hitStop = close <= stop;
    const hitTarget = close >= this.takeProfit;
    if (!hitStop && !hitTarget) return [];
    const held = Math.floor(input.balances.base.available / this.baseAtomsPerLot);
    const lots = Math.min(held, this.quantity ?? held);
    if (lots <= 0) return [];
    this.done = true;
    return [
      {
        kind: 'place',
        orderType: 'market',
        clientOrderId: `guard:${input.candle.ts}`,
        side: 'sell',
        quantity: lots,
        reason: hitStop
          ? `closed at ${close}, at or below the stop ${stop}`
          : `closed at ${close}, at or above the take-profit ${this.takeProfit}`,
      },
    ];
  }
}

export const guard: StrategyDefinition<GuardParams> = {
  kind: 'GUARD',
  description: 'Stop-loss / take-profit (optionally trailing) around an existing holding: sells it when a close crosses either line.',
  params: guardParams,
  create: (params, market) => new GuardStrategy(params, market),
};
