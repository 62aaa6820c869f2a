import { z } from 'zod';
import { invalidInput } from '@tradegraph/shared/domain';
import { decimalString, positiveInt } from './schema';
import type { Intent, Strategy, StrategyDefinition, StrategyInput, StrategyMarket } from './types';
import { baseAtomsPerLot, priceTicks, quantityLots } from './units';

/**
 * Grid: `levels` prices spread evenly from `lower` to `upper` (floored to the tick). On its first
 * candle it places a buy at every level below the close and a sell at every level above it (sells
 * only as far as the base balance covers). Each fill is answered on the opposite side one level
 * away — a bought level i is offered at level i+1, a sold level i is bid at level i−1 — with the
 * quantity that filled, so the grid refills itself as the price moves inside its bounds. Nothing is
 * placed outside [lower, upper].
 */
export const gridParams = z
  .object({
    lower: decimalString,
    upper: decimalString,
    levels: positiveInt(500).min(2, 'must be at least 2'),
    quantityPerLevel: decimalString,
  })
  .strict();

export type GridParams = z.infer<typeof gridParams>;

/** Client order ids: `grid:<b|s>:<level>:<candle ts>:<n>` — unique per step (n counts the step's
 *  orders), deterministic, and the level reads back from the id of a fill. */
function orderId(side: 'buy' | 'sell', level: number, ts: number, n: number): string {
  return `grid:${side === 'buy' ? 'b' : 's'}:${level}:${ts}:${n}`;
}

function levelOf(clientOrderId: string): number | undefined {
  const parts = clientOrderId.split(':');
  return parts[0] === 'grid' ? Number(parts[2]) : undefined;
}

export class GridStrategy implements Strategy {
  readonly indicators = [];
  /** Level prices in ticks, ascending. */
  readonly prices: number[];
  private readonly quantity: number;
  private readonly baseAtomsPerLot: number;
  private started = false;

  constructor(params: GridParams, market: StrategyMarket) {
    const lower = priceTicks(market, params.lower, 'lower');
    const upper = priceTicks(market, params.upper, 'upper');
    if (upper <= lower) throw invalidInput('upper must be above lower', 'upper');
    const step = (upper - lower) / (params.levels - 1);
    if (step < 1) throw invalidInput('levels are closer than one tick: fewer levels or wider bounds', 'levels');
    this.prices = Array.from({ length: params.levels }, (_, i) => (i === params.levels - 1 ? upper : lower + Math.floor(i * step)));
    this.quantity = quantityLots(market, params.quantityPerLevel, 'quantityPerLevel');
    this.baseAtomsPerLot = baseAtomsPerLot(market);
  }

  step(input: StrategyInput): Intent[] {
    const intents: Intent[] = [];
    const ts = input.candle.ts;
    const place = (side: 'buy' | 'sell', level: number, quantity: number, reason: string) =>
      intents.push({
        kind: 'place',
        orderType: 'limit',
        clientOrderId: orderId(side, level, ts, intents.length),
        side,
        price: this.prices[level],
        quantity,
        reason,
      });
    if (!this.started) {
      this.started = true;
      const close = input.candle.close;
      let baseLeft = input.balances.base.available;
      const baseNeeded = this.quantity * this.baseAtomsPerLot;
      for (let level = 0; level < this.prices.length; level += 1) {
        const price = this.prices[level];
        if (price < close) place('buy', level, this.quantity, `grid level ${level} below the price`);
        else if (price > close && baseLeft >= baseNeeded) {
          baseLeft -= baseNeeded;
          place('sell', level, this.quantity, `grid level ${level} above the price`);
        }
      }
      return intents;
    }
    let baseLeft = input.balances.base.available;
    for (const fill of input.fills) {
      const level = levelOf(fill.clientOrderId);
      if (level === undefined) continue;
      const target = fill.side === 'buy' ? level + 1 : level - 1;
      if (target < 0 || target >= this.prices.length) continue;
      if (fill.side === 'buy') {
        // Offer what was bought, as far as the base balance covers (it may have been spent elsewhere).
        const lots = Math.min(fill.quantity, Math.floor(baseLeft / this.baseAtomsPerLot));
        if (lots <= 0) continue;
        baseLeft -= lots * this.baseAtomsPerLot;
        place('sell', target, lots, `level ${level} bought: offer level ${target}`);
      } else place('buy', target, fill.quantity, `level ${level} sold: bid level ${target}`);
    }
    return intents;
  }
}

export const grid: StrategyDefinition<GridParams> = {
  kind: 'GRID',
  description:
    'Buy and sell limit orders on evenly spaced levels between two bounds; every fill is answered one level away on the other side.',
  params: gridParams,
  create: (params, market) => new GridStrategy(params, market),
};
