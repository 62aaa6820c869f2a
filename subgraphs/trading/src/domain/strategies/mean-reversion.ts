import { z } from 'zod';
import { invalidInput } from '@tradegraph/shared/domain';
import type { BandsValue, IndicatorSpec } from '../indicators';
import { decimalString, positiveInt } from './schema';
import type { Intent, Strategy, StrategyDefinition, StrategyInput, StrategyMarket } from './types';
import { baseAtomsPerLot, quoteAtoms } from './units';

/**
 * Mean reversion: buys a dip, sells the return to the mean. `signal: 'BOLLINGER'` buys when a
 * close falls below the lower band and sells when a close reaches the middle band;
 * `signal: 'RSI'` buys when RSI falls below `oversold` and sells when it rises above
 * `overbought`. Entries are market buys of `amount` quote while flat; exits sell all the base held.
 */
export const meanReversionParams = z
  .object({
    signal: z.enum(['BOLLINGER', 'RSI']),
    period: positiveInt(1_000).min(2, 'must be at least 2'),
    deviations: z.number().positive('must be positive').max(10, 'must be at most 10').default(2),
    oversold: z.number().min(0).max(100).default(30),
    overbought: z.number().min(0).max(100).default(70),
    amount: decimalString,
  })
  .strict();

export type MeanReversionParams = z.infer<typeof meanReversionParams>;

export class MeanReversionStrategy implements Strategy {
  readonly indicators: IndicatorSpec[];
  private readonly amount: number;
  private readonly baseAtomsPerLot: number;
  private orders = 0;

  constructor(
    private readonly params: MeanReversionParams,
    market: StrategyMarket,
  ) {
    if (params.oversold >= params.overbought) throw invalidInput('oversold must be below overbought', 'oversold');
    this.amount = quoteAtoms(market, params.amount, 'amount');
    this.baseAtomsPerLot = baseAtomsPerLot(market);
    this.indicators =
      params.signal === 'BOLLINGER'
        ? [{ name: 'bands', kind: 'BOLLINGER', period: params.period, deviations: params.deviations }]
        : [{ name: 'rsi', kind: 'RSI', period: params.period }];
  }

  step(input: StrategyInput): Intent[] {
    const close = input.candle.close;
    let enter: boolean;
    let exit: boolean;
    if (this.params.signal === 'BOLLINGER') {
      const bands = input.indicators.bands as BandsValue | null;
      if (bands === null) return [];
      enter = close < bands.lower;
      exit = close >= bands.middle;
    } else {
      const rsi = input.indicators.rsi as number | null;
      if (rsi === null) return [];
      enter = rsi < this.params.oversold;
      exit = rsi > this.params.overbought;
    }
    const held = Math.floor(input.balances.base.available / this.baseAtomsPerLot);
    if (held > 0 && exit) {
      this.orders += 1;
      return [
        {
          kind: 'place',
          orderType: 'market',
          clientOrderId: `meanrev:${this.orders}`,
          side: 'sell',
          quantity: held,
          reason: 'back at the mean',
        },
      ];
    }
    if (held === 0 && enter && input.balances.quote.available >= this.amount) {
      this.orders += 1;
      return [
        {
          kind: 'place',
          orderType: 'market',
          clientOrderId: `meanrev:${this.orders}`,
          side: 'buy',
          quoteAmount: this.amount,
          reason: 'stretched below the mean',
        },
      ];
    }
    return [];
  }
}

export const meanReversion: StrategyDefinition<MeanReversionParams> = {
  kind: 'MEAN_REVERSION',
  description: 'Buys below the lower Bollinger band (or oversold RSI), sells at the middle band (or overbought RSI).',
  params: meanReversionParams,
  create: (params, market) => new MeanReversionStrategy(params, market),
};
