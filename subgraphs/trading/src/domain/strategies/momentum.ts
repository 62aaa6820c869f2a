import { z } from 'zod';
import { invalidInput } from '@tradegraph/shared/domain';
import type { IndicatorSpec, MacdValue } from '../indicators';
import { decimalString, positiveInt } from './schema';
import type { Intent, Strategy, StrategyDefinition, StrategyInput, StrategyMarket } from './types';
import { baseAtomsPerLot, quoteAtoms } from './units';

/**
 * Momentum: goes long on an upward cross and flat on a downward one. `signal: 'EMA_CROSS'`
 * crosses a fast EMA over a slow one; `'MACD'` crosses the MACD line over its signal line (the
 * histogram changes sign). On a bullish cross it market-buys `amount` quote (if it is flat and can
 * pay); on a bearish cross it market-sells all the base it holds. Only a change of sign acts —
 * the first stable reading just records the side.
 */
export const momentumParams = z
  .object({
    signal: z.enum(['EMA_CROSS', 'MACD']),
    fast: positiveInt(1_000),
    slow: positiveInt(1_000),
    signalPeriod: positiveInt(1_000).default(9),
    amount: decimalString,
  })
  .strict();

export type MomentumParams = z.infer<typeof momentumParams>;

export class MomentumStrategy implements Strategy {
  readonly indicators: IndicatorSpec[];
  private readonly amount: number;
  private readonly baseAtomsPerLot: number;
  private previous: -1 | 0 | 1 = 0;
  private orders = 0;

  constructor(
    private readonly params: MomentumParams,
    market: StrategyMarket,
  ) {
    if (params.fast >= params.slow) throw invalidInput('fast must be shorter than slow', 'fast');
    this.amount = quoteAtoms(market, params.amount, 'amount');
    this.baseAtomsPerLot = baseAtomsPerLot(market);
    this.indicators =
      params.signal === 'EMA_CROSS'
        ? [
            { name: 'fast', kind: 'EMA', period: params.fast },
            { name: 'slow', kind: 'EMA', period: params.slow },
          ]
        : [{ name: 'macd', kind: 'MACD', fast: params.fast, slow: params.slow, signal: params.signalPeriod }];
  }

  /** +1 above, −1 below, 0 unknown (warming up or exactly equal). */
  private side(input: StrategyInput): -1 | 0 | 1 {
    let diff: number;
    if (this.params.signal === 'EMA_CROSS') {
      const fast = input.indicators.fast as number | null;
      const slow = input.indicators.slow as number | null;
      if (fast === null || slow === null) return 0;
      diff = fast - slow;
    } else {
      const macd = input.indicators.macd as MacdValue | null;
      if (macd === null) return 0;
      diff = macd.histogram;
    }
    return diff > 0 ? 1 : diff < 0 ? -1 : 0;
  }

  step(input: StrategyInput): Intent[] {
    const side = this.side(input);
    if (side === 0) return [];
    const previous = this.previous;
    this.previous = side;
    if (previous === 0 || previous === side) return [];
    const baseLots = Math.floor(input.balances.base.available / this.baseAtomsPerLot);
    if (side === 1) {
      if (baseLots > 0 || input.balances.quote.available < this.amount) return [];
      this.orders += 1;
      return [
        {
          kind: 'place',
          orderType: 'market',
          clientOrderId: `momentum:${this.orders}`,
          side: 'buy',
          quoteAmount: this.amount,
          reason: 'bullish cross',
        },
      ];
    }
    if (baseLots <= 0) return [];
    this.orders += 1;
    return [
      {
        kind: 'place',
        orderType: 'market',
        clientOrderId: `momentum:${this.orders}`,
        side: 'sell',
        quantity: baseLots,
        reason: 'bearish cross',
      },
    ];
  }
}

export const momentum: StrategyDefinition<MomentumParams> = {
  kind: 'MOMENTUM',
  description: 'Long on a bullish EMA or MACD cross, flat on a bearish one.',
  params: momentumParams,
  create: (params, market) => new MomentumStrategy(params, market),
};
