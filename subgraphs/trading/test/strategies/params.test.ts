import { DomainError } from '@tradegraph/shared/domain';
import { buildStrategy, dca, grid, momentum, STRATEGIES } from '../../src/domain/strategies';
import { MARKET } from './fixtures';

function refusal(run: () => unknown): { code: string; field: unknown; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const e = error as DomainError;
    return { code: e.code, field: e.details.field, message: e.message };
  }
  throw new Error('expected a refusal');
}

const GRID = { lower: '90', upper: '110', levels: 5, quantityPerLevel: '0.01' };

describe('strategy parameters', () => {
  it('lists the built-ins by kind', () => {
    expect(Object.keys(STRATEGIES).sort()).toEqual(['DCA', 'GRID', 'GUARD', 'MEAN_REVERSION', 'MOMENTUM']);
  });

  it('accepts good parameters', () => {
    expect(() => buildStrategy(grid, GRID, MARKET)).not.toThrow();
    expect(() =>
      buildStrategy(dca, { amount: '50', intervalMinutes: 60, safetyOrders: { count: 3, stepBps: 100, amount: '25' } }, MARKET),
    ).not.toThrow();
    expect(() => buildStrategy(momentum, { signal: 'MACD', fast: 12, slow: 26, amount: '100' }, MARKET)).not.toThrow();
  });

  it.each([
    ['a number for a price', grid, { ...GRID, lower: 90 }, 'lower'],
    ['a missing bound', grid, { lower: '90', levels: 5, quantityPerLevel: '0.01' }, 'upper'],
    ['a float for a count', grid, { ...GRID, levels: 2.5 }, 'levels'],
    ['one level', grid, { ...GRID, levels: 1 }, 'levels'],
    ['a price off the tick', grid, { ...GRID, lower: '90.005' }, 'lower'],
    ['a quantity off the lot', grid, { ...GRID, quantityPerLevel: '0.00001' }, 'quantityPerLevel'],
    ['upper below lower', grid, { ...GRID, upper: '80' }, 'upper'],
    ['levels closer than a tick', grid, { lower: '90', upper: '90.02', levels: 10, quantityPerLevel: '0.01' }, 'levels'],
    ['an unknown parameter', grid, { ...GRID, leverage: 10 }, 'leverage'],
    ['a negative amount', dca, { amount: '-5', intervalMinutes: 60 }, 'amount'],
    ['a zero amount', dca, { amount: '0', intervalMinutes: 60 }, 'amount'],
    [
      'a nested bad field',
      dca,
      { amount: '5', intervalMinutes: 60, safetyOrders: { count: 2, stepBps: 0, amount: '5' } },
      'safetyOrders.stepBps',
    ],
    ['an unknown signal', momentum, { signal: 'RSI', fast: 12, slow: 26, amount: '100' }, 'signal'],
    ['fast not shorter than slow', momentum, { signal: 'EMA_CROSS', fast: 30, slow: 26, amount: '100' }, 'fast'],
  ])('refuses %s with BAD_USER_INPUT naming the field', (_, definition, params, field) => {
    const refused = refusal(() => buildStrategy(definition as typeof grid, params, MARKET));
    expect(refused.code).toBe('BAD_USER_INPUT');
    expect(refused.field).toBe(field);
    expect(refused.message).toContain(field);
  });

  it('refuses parameters that are not an object', () => {
    expect(refusal(() => buildStrategy(grid, 'grid please', MARKET))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'params' });
  });
});
