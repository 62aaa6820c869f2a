import { Engine } from '../../src/domain/engine';
import { bpsToRate, parseFeeSchedule, tierFor } from '../../src/domain/fees';
import { Harness, eventsOf, simpleMarket } from './helpers';

// Fee tiers (FEE_TIERS): a user's tier, set by SetUserFees, lowers the rates their fills pay —
// resting orders included — never above the market's rates, and survives a snapshot.
describe('fee tiers in the engine', () => {
  const market = simpleMarket({ makerFeeBps: 100, takerFeeBps: 200 });

  test('a fill charges each side its own tier, and the market rate without one', () => {
    const h = new Harness({}, market);
    h.fund('maker', 'BTC', 10);
    h.fund('taker', 'USD', 100_000);
    h.placed({ user: 'maker', side: 'sell', orderType: 'limit', price: 1000, quantity: 2, timeInForce: 'GTC' });
    // The maker's tier changes while its order rests: the fill pays the new rate.
    h.ok({ type: 'SetUserFees', user: 'maker', level: 1, makerBps: 50, takerBps: 150 });
    const first = eventsOf(h.place({ user: 'taker', side: 'buy', orderType: 'limit', price: 1000, quantity: 1, timeInForce: 'IOC' }), 'Trade')[0];
    expect(first.makerFee).toBe(5); // 1000 × 0.5%
    expect(first.takerFee).toBe(20); // 1000 × 2%, the market's rate
    h.ok({ type: 'SetUserFees', user: 'taker', level: 2, makerBps: 20, takerBps: 40 });
    const second = eventsOf(h.place({ user: 'taker', side: 'buy', orderType: 'limit', price: 1000, quantity: 1, timeInForce: 'IOC' }), 'Trade')[0];
    expect(second.takerFee).toBe(4);
    expect(h.engine.userFees('taker', market.id)).toEqual({ level: 2, makerBps: 20, takerBps: 40 });
    expect(h.engine.feesCollected('USD')).toBe(5 + 20 + 5 + 4);
    // Back to level 0: the market's rates again.
    h.ok({ type: 'SetUserFees', user: 'taker', level: 0, makerBps: 0, takerBps: 0 });
    expect(h.engine.userFees('taker', market.id)).toEqual({ level: 0, makerBps: 100, takerBps: 200 });
    expect(h.engine.usersWithFeeTier()).toEqual(['maker']);
  });

  test('a tier never charges more than the market', () => {
    const h = new Harness({}, market);
    h.ok({ type: 'SetUserFees', user: 'a', level: 1, makerBps: 5000, takerBps: 5000 });
    expect(h.engine.userFees('a', market.id)).toMatchObject({ makerBps: 100, takerBps: 200 });
  });

  test('bad tiers are refused and change nothing', () => {
    const h = new Harness({}, market);
    for (const bad of [
      { level: -1, makerBps: 1, takerBps: 1 },
      { level: 1, makerBps: 10_001, takerBps: 1 },
      { level: 1, makerBps: 1.5, takerBps: 1 },
    ]) {
      expect(h.run({ type: 'SetUserFees', user: 'a', ...bad }).code).toBe('INVALID_ORDER');
    }
    expect(h.engine.userFees('a').level).toBe(0);
  });

  test('tiers survive a snapshot, and an engine without tiers snapshots as before', () => {
    const h = new Harness({}, market);
    expect(h.engine.snapshot()).not.toHaveProperty('feeTiers');
    h.ok({ type: 'SetUserFees', user: 'a', level: 1, makerBps: 50, takerBps: 150 });
    const restored = Engine.restore(JSON.parse(JSON.stringify(h.engine.snapshot())));
    expect(restored.stateHash()).toBe(h.engine.stateHash());
    expect(restored.userFees('a', market.id)).toEqual({ level: 1, makerBps: 50, takerBps: 150 });
  });
});

describe('the fee schedule (FEE_TIERS)', () => {
  test('parses tiers and picks the highest a volume reaches', () => {
    const schedule = parseFeeSchedule('0:10:20, 1000:8:16, 50000.5:5:10');
    expect(schedule.map((t) => t.level)).toEqual([0, 1, 2]);
    expect(tierFor(schedule, '0').level).toBe(0);
    expect(tierFor(schedule, '999.99').level).toBe(0);
    expect(tierFor(schedule, '1000').level).toBe(1);
    expect(tierFor(schedule, '50000.5').level).toBe(2);
    expect(bpsToRate(10)).toBe('0.001');
    expect(bpsToRate(0)).toBe('0');
    expect(bpsToRate(10_000)).toBe('1');
  });

  test.each(['', '5:10:20', '0:10:20,0:5:5', '0:10:20,100:30:10', '0:10:x', '0:10001:1'])('refuses %p', (text) => {
    expect(() => parseFeeSchedule(text)).toThrow(/FEE_TIERS/);
  });
});
