import { DomainError } from '@tradegraph/shared/domain';
import { createEventBus } from '@tradegraph/shared';
import { heldQuantity, lastUpdated, valuePortfolio } from '../src/domain/portfolio';
import { Portfolios } from '../src/app/portfolios';
import { BalanceUpdates } from '../src/events/balance-updates';

const at = (iso: string) => new Date(iso);

describe('portfolio', () => {
  it('was last updated when its newest holding changed; never, with no holdings', () => {
    expect(lastUpdated([])).toBeNull();
    const holdings = [
      { updatedAt: at('2026-11-20T10:00:00Z') },
      { updatedAt: at('2026-11-21T09:30:00Z') },
      { updatedAt: at('2026-11-21T09:29:59.999Z') },
    ];
    expect(lastUpdated(holdings)).toEqual(at('2026-11-21T09:30:00Z'));
    expect(lastUpdated([...holdings].reverse())).toEqual(at('2026-11-21T09:30:00Z'));
  });

  it('summarises a user from the holdings its loader returns', async () => {
    const asked: string[] = [];
    const summary = await new Portfolios().summary('u1', async (userId) => {
      asked.push(userId);
      return [
        { asset: 'SOL', quantity: '10', updatedAt: at('2026-11-21T00:00:00Z') },
        { asset: 'USDT', quantity: '1500.25', updatedAt: at('2026-11-22T00:00:00Z') },
      ];
    });
    expect(asked).toEqual(['u1']);
    expect(summary).toEqual({ userId: 'u1', updatedAt: at('2026-11-22T00:00:00Z') });
  });

  it('holds what is available plus what orders lock, exactly', () => {
    expect(heldQuantity({ available: '0.1', locked: '0.2' })).toBe('0.3');
    expect(heldQuantity({ available: '1500.25', locked: '0' })).toBe('1500.25');
    expect(() => heldQuantity({ available: 'lots', locked: '0' })).toThrow(DomainError);
  });

  it('values holdings exactly in the pricing asset, listing those without a price', () => {
    const prices: Record<string, string> = { SOL: '142.37', BTC: '65000.1' };
    const value = valuePortfolio(
      [
        { asset: 'SOL', quantity: '10' },
        { asset: 'USDT', quantity: '1500.25' },
        { asset: 'BTC', quantity: '0.00000001' },
        { asset: 'DOGE', quantity: '1000' },
      ],
      'USDT',
      (asset) => prices[asset],
    );
    // 1423.7 + 1500.25 + 0.000650001 — floats would drift; units do not.
    expect(value).toEqual({ total: '2923.950650001', unpriced: ['DOGE'] });
  });

  it('rounds each holding down to 18 decimals and is zero when nothing is priced', () => {
    expect(valuePortfolio([{ asset: 'X', quantity: '0.000000000000000001' }], 'USDT', () => '0.5').total).toBe('0');
    expect(valuePortfolio([{ asset: 'X', quantity: '3' }], 'USDT', () => undefined)).toEqual({ total: '0', unpriced: ['X'] });
    expect(valuePortfolio([], 'USDT', () => '1')).toEqual({ total: '0', unpriced: [] });
  });
});

describe('balance updates', () => {
  it("reads one user's balance events as holdings", async () => {
    const bus = createEventBus(undefined);
    const holdings = new BalanceUpdates(bus).holdingsOf('user-a');
    const next = holdings.next();
    // The subscription starts on the first read; give it a turn before publishing.
    await new Promise((resolve) => setImmediate(resolve));
    await bus.publish('matching.balance.user-b', { userId: 'user-b', asset: 'BTC', available: '9', locked: '9' });
    await bus.publish('matching.balance.user-a', { userId: 'user-a', asset: 'BTC', available: '0.5', locked: '0.25' });
    await expect(next).resolves.toEqual({ value: { asset: 'BTC', quantity: '0.75' }, done: false });
    await holdings.return(undefined);
  });
});
