import { buildStrategy, guard, type Intent } from '../../src/domain/strategies';
import { MARKET, MINUTE, balances, candle, input } from './fixtures';

const LOT_ATOMS = 10_000;
const HELD = balances(250 * LOT_ATOMS, 0); // 0.025 BTC held

/** Closes one a minute; returns `minute: intent` for each order placed. */
function run(params: unknown, closes: number[], held = HELD): string[] {
  const strategy = buildStrategy(guard, params, MARKET);
  return closes.flatMap((close, minute) =>
    strategy
      .step(input(candle(minute * MINUTE, close), { balances: held }))
      .map((i: Intent) => `${minute}: ${i.kind === 'place' ? `${i.side} ${i.orderType} x${i.quantity}` : i.kind}`),
  );
}

describe('stop-loss / take-profit guard', () => {
  it('sells everything held when a close reaches the stop, once', () => {
    expect(run({ stopLoss: '95', takeProfit: '120' }, [10_000, 9_700, 9_501, 9_500, 9_000])).toEqual(['3: sell market x250']);
  });

  it('sells at the take-profit, and only the guarded quantity when given', () => {
    expect(run({ stopLoss: '95', takeProfit: '120' }, [10_000, 11_000, 12_000, 13_000])).toEqual(['2: sell market x250']);
    expect(run({ takeProfit: '120', quantity: '0.01' }, [12_500])).toEqual(['0: sell market x100']);
  });

  it('trails the stop under the highest close and never lowers it', () => {
    // 5% trailing: the high of 120 puts the stop at 114; 115 holds, 114 sells.
    expect(run({ trailingBps: 500 }, [10_000, 11_000, 12_000, 11_500, 11_400, 10_000])).toEqual(['4: sell market x250']);
    // Under a fixed stop that is higher, the fixed one rules.
    expect(run({ trailingBps: 2_000, stopLoss: '99' }, [10_000, 10_500, 9_900])).toEqual(['2: sell market x250']);
  });

  it('does nothing without a holding, and refuses an empty or crossed set of lines', () => {
    expect(run({ stopLoss: '95' }, [9_000], balances(0, 10 ** 9))).toEqual([]);
    expect(() => buildStrategy(guard, {}, MARKET)).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'stopLoss' } }),
    );
    expect(() => buildStrategy(guard, { stopLoss: '100', takeProfit: '90' }, MARKET)).toThrow(
      expect.objectContaining({ details: { field: 'takeProfit' } }),
    );
  });
});
