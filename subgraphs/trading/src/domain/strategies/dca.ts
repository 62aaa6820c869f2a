import { z } from 'zod';
import { decimalString, positiveInt } from './schema';
import type { Intent, Strategy, StrategyDefinition, StrategyInput, StrategyMarket } from './types';
import { lotsFor, priceTicks, quoteAtoms, quoteAtomsPerTickLot } from './units';

/**
 * Dollar-cost averaging: a market buy of `amount` quote every `intervalMinutes`, from the first
 * candle, up to `maxBuys` (unbounded without it), never above `maxPrice` when set. With
 * `safetyOrders`, each buy also lays a ladder of limit buys `stepBps`, 2×`stepBps`, … below that
 * buy's price, `amount` quote each; the next interval buy cancels what is left of the ladder and
 * lays a new one under its own price.
 */
export const dcaParams = z
  .object({
    amount: decimalString,
    intervalMinutes: positiveInt(525_600),
    maxBuys: positiveInt(1_000_000).optional(),
    maxPrice: decimalString.optional(),
    safetyOrders: z
      .object({
        count: positiveInt(50),
        stepBps: positiveInt(9_999),
        amount: decimalString,
      })
      .strict()
      .optional(),
  })
  .strict();

export type DcaParams = z.infer<typeof dcaParams>;

export class DcaStrategy implements Strategy {
  readonly indicators = [];
  private readonly amount: number;
  private readonly intervalMs: number;
  private readonly maxPrice: number | undefined;
  private readonly safetyAmount: number;
  private readonly perTickLot: number;
  private nextBuyAt: number | undefined;
  private buys = 0;

  constructor(
    private readonly params: DcaParams,
    market: StrategyMarket,
  ) {
    this.amount = quoteAtoms(market, params.amount, 'amount');
    this.intervalMs = params.intervalMinutes * 60_000;
    this.maxPrice = params.maxPrice === undefined ? undefined : priceTicks(market, params.maxPrice, 'maxPrice');
    this.safetyAmount = params.safetyOrders ? quoteAtoms(market, params.safetyOrders.amount, 'safetyOrders.amount') : 0;
    this.perTickLot = quoteAtomsPerTickLot(market);
  }

  step(input: StrategyInput): Intent[] {
    const { candle } = input;
    const at = candle.ts;
    this.nextBuyAt ??= at;
    if (at < this.nextBuyAt) return [];
    if (this.params.maxBuys !== undefined && this.buys >= this.params.maxBuys) return [];
    if (this.maxPrice !== undefined && candle.close > this.maxPrice) return [];
    if (input.balances.quote.available < this.amount) return [];
    // Next buy on the interval grid from the first candle, even if candles were missing.
    while (this.nextBuyAt <= at) this.nextBuyAt += this.intervalMs;
    this.buys += 1;
    const intents: Intent[] = input.openOrders
      .filter((order) => order.clientOrderId.startsWith('dca:safety:'))
      .map((order) => ({ kind: 'cancel', clientOrderId: order.clientOrderId, reason: 'a new interval buy replaces the ladder' }));
    intents.push({
      kind: 'place',
      orderType: 'market',
      clientOrderId: `dca:buy:${this.buys}`,
      side: 'buy',
      quoteAmount: this.amount,
      reason: `interval buy ${this.buys}`,
    });
    const safety = this.params.safetyOrders;
    if (safety) {
      for (let k = 1; k <= safety.count; k += 1) {
        const price = Math.floor((candle.close * (10_000 - k * safety.stepBps)) / 10_000);
        if (price <= 0) break;
        const quantity = lotsFor(this.safetyAmount, price, this.perTickLot);
        if (quantity <= 0) continue;
        intents.push({
          kind: 'place',
          orderType: 'limit',
          clientOrderId: `dca:safety:${this.buys}:${k}`,
          side: 'buy',
          price,
          quantity,
          reason: `safety order ${k} of buy ${this.buys}`,
        });
      }
    }
    return intents;
  }
}

export const dca: StrategyDefinition<DcaParams> = {
  kind: 'DCA',
  description: 'A market buy of a fixed quote amount every interval, with an optional ladder of safety buys below each.',
  params: dcaParams,
  create: (params, market) => new DcaStrategy(params, market),
};
