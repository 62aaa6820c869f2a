import { Engine, REJECT_CODES, type RejectCode } from '../../src/domain/engine';
import { Harness, type Input, eventsOf, simpleMarket } from './helpers';

function setup(spec = simpleMarket()): Harness {
  const h = new Harness({}, spec);
  for (const user of ['s', 'b', 'c']) {
    h.fund(user, 'USD', 1_000_000);
    h.fund(user, 'BTC', 1_000);
  }
  return h;
}

describe('funds reservation', () => {
  test('a buy locks notional plus the worst-case fee; a sell locks base; cancel releases', () => {
    const h = setup(simpleMarket({ makerFeeBps: 10, takerFeeBps: 25 }));
    const buy = h.placed({ user: 'b', side: 'buy', orderType: 'limit', price: 1000, quantity: 10 });
    expect(h.balance('b', 'USD')).toEqual({ available: 1_000_000 - 10_025, locked: 10_025 });
    const sell = h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 2000, quantity: 7 });
    expect(h.balance('s', 'BTC')).toEqual({ available: 993, locked: 7 });
    h.ok({ type: 'CancelOrder', user: 'b', orderId: buy });
    h.ok({ type: 'CancelOrder', user: 's', orderId: sell });
    expect(h.balance('b', 'USD')).toEqual({ available: 1_000_000, locked: 0 });
    expect(h.balance('s', 'BTC')).toEqual({ available: 1_000, locked: 0 });
  });

  test('maker and taker fees are charged in quote and credited to the fee account', () => {
    const h = setup(simpleMarket({ makerFeeBps: 10, takerFeeBps: 25 }));
    h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 1000, quantity: 10 });
    const r = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 1000, quantity: 10 });
    expect(eventsOf(r, 'Trade')[0]).toMatchObject({ takerFee: 25, makerFee: 10 });
    expect(h.balance('b', 'USD')).toEqual({ available: 1_000_000 - 10_025, locked: 0 });
    expect(h.balance('s', 'USD')).toEqual({ available: 1_000_000 + 10_000 - 10, locked: 0 });
    expect(h.engine.feesCollected('USD')).toBe(35);
  });

  test('a resting buy that fills at a better price or lower fee gives the surplus back', () => {
    const h = setup(simpleMarket({ makerFeeBps: 0, takerFeeBps: 100 }));
    h.placed({ user: 'b', side: 'buy', orderType: 'limit', price: 100, quantity: 10 });
    expect(h.balance('b', 'USD').locked).toBe(1010);
    h.place({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 4 });
    // Paid 400 as maker (0 fee); 6 lots remain and need 606.
    expect(h.balance('b', 'USD')).toEqual({ available: 1_000_000 - 400 - 606, locked: 606 });
  });

  test('insufficient funds are refused without any change', () => {
    const h = setup();
    h.fund('p', 'USD', 99);
    const before = h.engine.stateHash();
    const r = h.place({ user: 'p', side: 'buy', orderType: 'limit', price: 100, quantity: 1 });
    expect(r.code).toBe('INSUFFICIENT_FUNDS');
    expect(h.engine.stateHash()).toBe(before);
  });
});

describe('self-trade prevention', () => {
  function book(h: Harness) {
    const own = h.placed({ user: 'b', side: 'sell', orderType: 'limit', price: 100, quantity: 2 });
    const other = h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 101, quantity: 2 });
    return { own, other };
  }

  test('cancel-newest (default) cancels the incoming order and keeps the resting one', () => {
    const h = setup();
    const { own } = book(h);
    const r = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 101, quantity: 3 });
    expect(eventsOf(r, 'Trade')).toHaveLength(0);
    expect(eventsOf(r, 'OrderCancelled')).toEqual([expect.objectContaining({ orderId: r.orderId, reason: 'SELF_TRADE' })]);
    expect(h.engine.order(own)).toBeDefined();
  });

  test('cancel-oldest cancels the resting order and keeps matching', () => {
    const h = setup();
    const { own, other } = book(h);
    const r = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 101, quantity: 3, selfTradePrevention: 'cancel-oldest' });
    expect(eventsOf(r, 'OrderCancelled')).toEqual([expect.objectContaining({ orderId: own, reason: 'SELF_TRADE' })]);
    expect(eventsOf(r, 'Trade')).toEqual([expect.objectContaining({ makerOrderId: other, quantity: 2 })]);
    expect(h.engine.order(r.orderId!)).toMatchObject({ remaining: 1, status: 'resting' });
  });

  test('cancel-both cancels both orders', () => {
    const h = setup();
    const { own, other } = book(h);
    const r = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 101, quantity: 3, selfTradePrevention: 'cancel-both' });
    expect(eventsOf(r, 'OrderCancelled').map((e) => e.orderId)).toEqual([own, r.orderId]);
    expect(eventsOf(r, 'Trade')).toHaveLength(0);
    expect(h.engine.order(other)).toBeDefined();
    expect(h.balance('b', 'BTC')).toEqual({ available: 1_000, locked: 0 });
  });
});

describe('amend', () => {
  test('shrinking the quantity keeps time priority', () => {
    const h = setup();
    const first = h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 5 });
    const second = h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 100, quantity: 5 });
    const r = h.ok({ type: 'AmendOrder', user: 's', orderId: first, quantity: 2 });
    expect(eventsOf(r, 'OrderAmended')).toEqual([{ type: 'OrderAmended', orderId: first, price: 100, remaining: 2, priorityLost: false }]);
    expect(h.balance('s', 'BTC').locked).toBe(2);
    const take = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 100, quantity: 1 });
    expect(eventsOf(take, 'Trade')[0].makerOrderId).toBe(first);
    expect(second).toBeGreaterThan(first);
  });

  test('growing the quantity loses time priority', () => {
    const h = setup();
    const first = h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 5 });
    const second = h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 100, quantity: 5 });
    const r = h.ok({ type: 'AmendOrder', user: 's', orderId: first, quantity: 6 });
    expect(eventsOf(r, 'OrderAmended')[0].priorityLost).toBe(true);
    const take = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 100, quantity: 1 });
    expect(eventsOf(take, 'Trade')[0].makerOrderId).toBe(second);
  });

  test('changing the price loses time priority, and a crossing price trades at once', () => {
    const h = setup();
    const first = h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 101, quantity: 5 });
    const second = h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 100, quantity: 5 });
    h.ok({ type: 'AmendOrder', user: 's', orderId: first, price: 100 });
    const take = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 100, quantity: 6 });
    expect(eventsOf(take, 'Trade').map((t) => t.makerOrderId)).toEqual([second, first]);

    const bid = h.placed({ user: 'b', side: 'buy', orderType: 'limit', price: 90, quantity: 2 });
    const cross = h.ok({ type: 'AmendOrder', user: 'b', orderId: bid, price: 100 });
    expect(eventsOf(cross, 'Trade')).toEqual([expect.objectContaining({ takerOrderId: bid, makerOrderId: first, quantity: 2 })]);
  });

  test('a post-only order cannot be amended into a crossing price; amends that need more funds are checked', () => {
    const h = setup();
    h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 1 });
    const maker = h.placed({ user: 'b', side: 'buy', orderType: 'limit', price: 90, quantity: 1, postOnly: true });
    expect(h.run({ type: 'AmendOrder', user: 'b', orderId: maker, price: 100 }).code).toBe('POST_ONLY_WOULD_TAKE');
    h.fund('p', 'USD', 100);
    const small = h.placed({ user: 'p', side: 'buy', orderType: 'limit', price: 50, quantity: 2 });
    expect(h.run({ type: 'AmendOrder', user: 'p', orderId: small, quantity: 3 }).code).toBe('INSUFFICIENT_FUNDS');
    expect(h.engine.order(small)).toMatchObject({ remaining: 2, reserved: 100 });
  });
});

describe('CancelAll', () => {
  test('cancels every live order of the user, optionally in one market only', () => {
    const h = setup();
    h.ok({ type: 'AddMarket', spec: simpleMarket({ id: 'ETH-USD', base: 'ETH' }) });
    h.fund('b', 'ETH', 10);
    const a = h.placed({ user: 'b', side: 'buy', orderType: 'limit', price: 90, quantity: 1 });
    const b = h.placed({ user: 'b', side: 'sell', orderType: 'limit', price: 110, quantity: 1 });
    const e = h.placed({ market: 'ETH-USD', user: 'b', side: 'sell', orderType: 'limit', price: 50, quantity: 1 });
    h.placed({ user: 'c', side: 'buy', orderType: 'limit', price: 80, quantity: 1 });
    const r = h.ok({ type: 'CancelAll', user: 'b', market: 'BTC-USD' });
    expect(eventsOf(r, 'OrderCancelled').map((x) => [x.orderId, x.reason])).toEqual([
      [a, 'CANCEL_ALL'],
      [b, 'CANCEL_ALL'],
    ]);
    expect(h.engine.order(e)).toBeDefined();
    const all = h.ok({ type: 'CancelAll', user: 'b' });
    expect(eventsOf(all, 'OrderCancelled').map((x) => x.orderId)).toEqual([e]);
  });
});

describe('AdjustBalance', () => {
  test('credits and debits; a repeated idempotency key is a no-op returning the original result', () => {
    const h = new Harness();
    const first = h.ok({ type: 'AdjustBalance', user: 'u', asset: 'USD', amount: 500, idempotencyKey: 'dep-1' });
    expect(first.events).toEqual([
      { type: 'BalanceAdjusted', user: 'u', asset: 'USD', amount: 500, idempotencyKey: 'dep-1' },
      { type: 'BalanceChanged', user: 'u', asset: 'USD', available: 500, locked: 0 },
    ]);
    const again = h.ok({ type: 'AdjustBalance', user: 'u', asset: 'USD', amount: 500, idempotencyKey: 'dep-1' });
    expect(again).toEqual(first);
    expect(h.balance('u', 'USD').available).toBe(500);
    h.ok({ type: 'AdjustBalance', user: 'u', asset: 'USD', amount: -200, idempotencyKey: 'wd-1' });
    expect(h.balance('u', 'USD').available).toBe(300);
    expect(h.run({ type: 'AdjustBalance', user: 'u', asset: 'USD', amount: -301, idempotencyKey: 'wd-2' }).code).toBe('INSUFFICIENT_FUNDS');
    // A refused key was not used up.
    h.ok({ type: 'AdjustBalance', user: 'u', asset: 'USD', amount: 1, idempotencyKey: 'dep-2' });
    expect(h.run({ type: 'AdjustBalance', user: 'u', asset: 'USD', amount: -301, idempotencyKey: 'wd-2' }).code).toBe('OK');
  });

  test('locked funds cannot be withdrawn', () => {
    const h = setup();
    h.fund('p', 'USD', 100);
    h.placed({ user: 'p', side: 'buy', orderType: 'limit', price: 10, quantity: 10 });
    expect(h.run({ type: 'AdjustBalance', user: 'p', asset: 'USD', amount: -1, idempotencyKey: 'x' }).code).toBe('INSUFFICIENT_FUNDS');
  });
});

describe('market administration', () => {
  test('a suspended market refuses orders and amends but allows cancels; resume reopens it', () => {
    const h = setup();
    const id = h.placed({ user: 'b', side: 'buy', orderType: 'limit', price: 90, quantity: 2 });
    h.ok({ type: 'SuspendMarket', market: 'BTC-USD' });
    expect(h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 90, quantity: 1 }).code).toBe('MARKET_SUSPENDED');
    expect(h.run({ type: 'AmendOrder', user: 'b', orderId: id, quantity: 1 }).code).toBe('MARKET_SUSPENDED');
    expect(h.run({ type: 'CancelOrder', user: 'b', orderId: id }).code).toBe('OK');
    h.ok({ type: 'ResumeMarket', market: 'BTC-USD' });
    expect(h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 90, quantity: 1 }).code).toBe('OK');
  });
});

describe('every rejection code', () => {
  /** Each case: a fresh funded engine, optional preparation, then the command that must be refused. */
  const cases: Record<RejectCode, { prepare?: (h: Harness) => void; command: (h: Harness) => Input }> = {
    INSUFFICIENT_FUNDS: { command: () => ({ type: 'PlaceOrder', market: 'BTC-USD', user: 'b', side: 'sell', orderType: 'limit', price: 1, quantity: 1_001 }) },
    PRICE_NOT_ON_TICK: { command: () => ({ type: 'PlaceOrder', market: 'BTC-USD', user: 'b', side: 'buy', orderType: 'limit', price: 10.5, quantity: 1 }) },
    QTY_NOT_ON_LOT: { command: () => ({ type: 'PlaceOrder', market: 'BTC-USD', user: 'b', side: 'buy', orderType: 'limit', price: 10, quantity: 0.5 }) },
    PRICE_OUT_OF_RANGE: {
      command: () => ({ type: 'PlaceOrder', market: 'BTC-USD', user: 'b', side: 'buy', orderType: 'limit', price: 1_000_001, quantity: 1 }),
    },
    QTY_OUT_OF_RANGE: {
      command: () => ({ type: 'PlaceOrder', market: 'BTC-USD', user: 'b', side: 'buy', orderType: 'limit', price: 1, quantity: 1_000_001 }),
    },
    BELOW_MIN_NOTIONAL: {
      prepare: (h) => h.ok({ type: 'AddMarket', spec: simpleMarket({ id: 'MIN', minNotional: '100' }) }),
      command: () => ({ type: 'PlaceOrder', market: 'MIN', user: 'b', side: 'buy', orderType: 'limit', price: 99, quantity: 1 }),
    },
    MARKET_SUSPENDED: {
      prepare: (h) => h.ok({ type: 'SuspendMarket', market: 'BTC-USD' }),
      command: () => ({ type: 'PlaceOrder', market: 'BTC-USD', user: 'b', side: 'buy', orderType: 'limit', price: 10, quantity: 1 }),
    },
    POST_ONLY_WOULD_TAKE: {
      prepare: (h) => h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 10, quantity: 1 }) && undefined,
      command: () => ({ type: 'PlaceOrder', market: 'BTC-USD', user: 'b', side: 'buy', orderType: 'limit', price: 10, quantity: 1, postOnly: true }),
    },
    FOK_NOT_FILLED: {
      command: () => ({ type: 'PlaceOrder', market: 'BTC-USD', user: 'b', side: 'buy', orderType: 'limit', price: 10, quantity: 1, timeInForce: 'FOK' }),
    },
    UNKNOWN_ORDER: { command: () => ({ type: 'CancelOrder', user: 'b', orderId: 12345 }) },
    UNKNOWN_MARKET: { command: () => ({ type: 'PlaceOrder', market: 'NOPE', user: 'b', side: 'buy', orderType: 'limit', price: 10, quantity: 1 }) },
    DUPLICATE_CLIENT_ORDER_ID: {
      prepare: (h) => h.placed({ user: 'b', side: 'buy', orderType: 'limit', price: 10, quantity: 1, clientOrderId: 'x' }) && undefined,
      command: () => ({ type: 'PlaceOrder', market: 'BTC-USD', user: 'b', side: 'buy', orderType: 'limit', price: 11, quantity: 1, clientOrderId: 'x' }),
    },
    DUPLICATE_MARKET: { command: () => ({ type: 'AddMarket', spec: simpleMarket() }) },
    INVALID_MARKET: { command: () => ({ type: 'AddMarket', spec: simpleMarket({ id: 'BAD', tickSize: '0.5' }) }) },
    INVALID_ORDER: { command: () => ({ type: 'PlaceOrder', market: 'BTC-USD', user: 'b', side: 'buy', orderType: 'limit', quantity: 1 }) },
    INVALID_AMOUNT: { command: () => ({ type: 'AdjustBalance', user: 'b', asset: 'USD', amount: 0, idempotencyKey: 'zero' }) },
    INVALID_EXPIRY: {
      command: () => ({ type: 'PlaceOrder', market: 'BTC-USD', user: 'b', side: 'buy', orderType: 'limit', price: 10, quantity: 1, timeInForce: 'GTD' }),
    },
    NO_REFERENCE_PRICE: {
      command: () => ({ type: 'PlaceOrder', market: 'BTC-USD', user: 'b', side: 'sell', orderType: 'trailing-stop', trailingAmount: 5, quantity: 1 }),
    },
    ORDER_NOT_AMENDABLE: {
      prepare: (h) => {
        h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 100, quantity: 1 });
        h.placed({ user: 's', side: 'buy', orderType: 'limit', price: 100, quantity: 1 });
        h.placed({ user: 'b', side: 'sell', orderType: 'stop-loss', stopPrice: 50, quantity: 1 });
      },
      command: () => ({ type: 'AmendOrder', user: 'b', orderId: 3, quantity: 2 }),
    },
    BALANCE_LIMIT_EXCEEDED: {
      command: () => ({ type: 'AdjustBalance', user: 'b', asset: 'USD', amount: Number.MAX_SAFE_INTEGER, idempotencyKey: 'huge' }),
    },
    STALE_TIMESTAMP: { command: () => ({ type: 'Tick' }) },
  };

  test('the table covers every code', () => {
    expect(Object.keys(cases).sort()).toEqual([...REJECT_CODES].sort());
  });

  test.each(REJECT_CODES.map((code) => [code]))('%s', (code) => {
    const h = new Harness();
    h.fund('b', 'USD', 1_000_000);
    h.fund('b', 'BTC', 1_000);
    h.fund('s', 'BTC', 1_000);
    h.fund('c', 'BTC', 1_000);
    h.fund('s', 'USD', 1_000_000);
    cases[code].prepare?.(h);
    const before = h.engine.stateHash();
    const command = cases[code].command(h);
    const ts = code === 'STALE_TIMESTAMP' ? h.ts - 1 : h.ts;
    const result = h.engine.apply({ ...command, ts } as Parameters<Engine['apply']>[0]);
    expect(result.code).toBe(code);
    expect(result.events).toEqual([expect.objectContaining({ type: 'Rejected', code })]);
    expect(h.engine.stateHash()).toBe(before);
  });
});
