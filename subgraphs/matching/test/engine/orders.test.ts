import { nextSessionClose } from '../../src/domain/engine';
import { Harness, eventsOf, simpleMarket } from './helpers';

/** A harness with a seller `s`, a buyer `b` and a third party `c`, all well funded. In the simple
 *  market one lot is 1 BTC atom and one tick is 1 USD atom per lot, so notional = price × qty. */
function setup(spec = simpleMarket()): Harness {
  const h = new Harness({}, spec);
  for (const user of ['s', 'b', 'c']) {
    h.fund(user, 'USD', 1_000_000);
    h.fund(user, 'BTC', 1_000);
  }
  return h;
}

const trades = (r: ReturnType<Harness['run']>) => eventsOf(r, 'Trade').map((t) => [t.makerOrderId, t.price, t.quantity]);

describe('limit orders: price-time priority and partial fills', () => {
  test('a taker sweeps better prices first, then older orders first at a price, and rests the rest', () => {
    const h = setup();
    const a = h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 101, quantity: 5 });
    const b = h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 3 });
    const c = h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 100, quantity: 4 });
    const r = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 101, quantity: 10 });
    expect(trades(r)).toEqual([
      [b, 100, 3],
      [c, 100, 4],
      [a, 101, 3],
    ]);
    expect(eventsOf(r, 'Trade').at(-1)).toMatchObject({ makerRemaining: 2, takerRemaining: 0 });
    expect(h.engine.depth('BTC-USD').asks).toEqual([{ price: 101, quantity: 2, orders: 1 }]);
    // Buyer paid 3×100 + 4×100 + 3×101 = 1003 and has nothing locked.
    expect(h.balance('b', 'USD')).toEqual({ available: 1_000_000 - 1003, locked: 0 });
    expect(h.balance('b', 'BTC').available).toBe(1010);
  });

  test('a partially filled taker rests its remainder at its limit price (GTC)', () => {
    const h = setup();
    h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 2 });
    const r = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 100, quantity: 5 });
    expect(eventsOf(r, 'OrderRested')).toEqual([expect.objectContaining({ price: 100, remaining: 3, visible: 3 })]);
    expect(h.balance('b', 'USD')).toEqual({ available: 1_000_000 - 200 - 300, locked: 300 });
  });
});

describe('market orders', () => {
  test('by base quantity: fills what the book has and cancels the rest', () => {
    const h = setup();
    h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 2 });
    h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 105, quantity: 2 });
    const r = h.place({ user: 'b', side: 'buy', orderType: 'market', quantity: 5 });
    expect(r.code).toBe('OK');
    expect(eventsOf(r, 'Trade').map((t) => t.quantity)).toEqual([2, 2]);
    expect(eventsOf(r, 'OrderCancelled')).toEqual([expect.objectContaining({ reason: 'IOC', remaining: 1 })]);
    // All available quote was locked for the walk and the unspent part released in the same command.
    expect(h.balance('b', 'USD')).toEqual({ available: 1_000_000 - 410, locked: 0 });
  });

  test('by base quantity: a buy stops when its funds run out', () => {
    const h = setup();
    h.fund('poor', 'USD', 250);
    h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 5 });
    const r = h.place({ user: 'poor', side: 'buy', orderType: 'market', quantity: 5 });
    expect(eventsOf(r, 'Trade').map((t) => t.quantity)).toEqual([2]);
    expect(eventsOf(r, 'OrderCancelled')).toEqual([expect.objectContaining({ reason: 'INSUFFICIENT_FUNDS', remaining: 3 })]);
    expect(h.balance('poor', 'USD')).toEqual({ available: 50, locked: 0 });
  });

  test('by quote amount: a buy spends at most the amount, a sell receives at most the amount', () => {
    const h = setup();
    h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 3 });
    h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 110, quantity: 3 });
    const buy = h.place({ user: 'b', side: 'buy', orderType: 'market', quoteAmount: 520 });
    expect(eventsOf(buy, 'Trade').map((t) => [t.price, t.quantity])).toEqual([
      [100, 3],
      [110, 2],
    ]);
    expect(eventsOf(buy, 'OrderFilled').map((e) => e.orderId)).toContain(buy.orderId);
    expect(h.balance('b', 'USD')).toEqual({ available: 1_000_000 - 520, locked: 0 });

    h.placed({ user: 'b', side: 'buy', orderType: 'limit', price: 90, quantity: 10 });
    const sell = h.place({ user: 's', side: 'sell', orderType: 'market', quoteAmount: 500 });
    expect(eventsOf(sell, 'Trade').map((t) => [t.price, t.quantity])).toEqual([[90, 5]]);
    expect(h.balance('s', 'BTC')).toEqual({ available: 1_000 - 6 - 5, locked: 1 });
  });

  test('a market order on an empty book is cancelled, not rejected', () => {
    const h = setup();
    const r = h.place({ user: 'b', side: 'buy', orderType: 'market', quantity: 1 });
    expect(r.code).toBe('OK');
    expect(eventsOf(r, 'OrderCancelled')).toEqual([expect.objectContaining({ reason: 'IOC' })]);
    expect(h.balance('b', 'USD')).toEqual({ available: 1_000_000, locked: 0 });
  });
});

/** Makes a trade at `price` between s and c so the market's last price moves (and whatever that
 *  triggers executes in the same command). */
function printTrade(h: Harness, price: number): void {
  h.placed({ user: 'c', side: 'sell', orderType: 'limit', price, quantity: 1 });
  const r = h.place({ user: 's', side: 'buy', orderType: 'limit', price, quantity: 1 });
  expect(eventsOf(r, 'Trade')[0]).toMatchObject({ price, quantity: 1, takerUser: 's', makerUser: 'c' });
}

describe('stop orders trigger from the last trade price', () => {
  test('stop-loss (stop-market) sell triggers when the price falls to the stop', () => {
    const h = setup();
    printTrade(h, 100);
    const stop = h.placed({ user: 'b', side: 'sell', orderType: 'stop-loss', stopPrice: 95, quantity: 2 });
    expect(h.balance('b', 'BTC').locked).toBe(2);
    h.placed({ user: 'c', side: 'buy', orderType: 'limit', price: 90, quantity: 5 });
    printTrade(h, 96);
    expect(h.engine.order(stop)?.status).toBe('waiting');
    h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 95, quantity: 1 });
    const r = h.place({ user: 's', side: 'buy', orderType: 'limit', price: 95, quantity: 1 });
    expect(eventsOf(r, 'OrderTriggered')).toEqual([{ type: 'OrderTriggered', orderId: stop, lastPrice: 95 }]);
    expect(eventsOf(r, 'Trade').filter((t) => t.takerOrderId === stop).map((t) => [t.price, t.quantity])).toEqual([[90, 2]]);
    expect(h.engine.order(stop)).toBeUndefined();
  });

  test('take-profit sell triggers when the price rises to the target', () => {
    const h = setup();
    printTrade(h, 100);
    const tp = h.placed({ user: 'b', side: 'sell', orderType: 'take-profit', stopPrice: 110, quantity: 1 });
    h.placed({ user: 'c', side: 'buy', orderType: 'limit', price: 105, quantity: 1 });
    printTrade(h, 108);
    expect(h.engine.order(tp)?.status).toBe('waiting');
    h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 110, quantity: 1 });
    const r = h.place({ user: 's', side: 'buy', orderType: 'limit', price: 110, quantity: 1 });
    expect(eventsOf(r, 'OrderTriggered')[0].orderId).toBe(tp);
    expect(eventsOf(r, 'Trade').find((t) => t.takerOrderId === tp)).toMatchObject({ price: 105, quantity: 1 });
  });

  test('stop-limit buy becomes a limit order when triggered and rests what it cannot fill', () => {
    const h = setup();
    printTrade(h, 100);
    const id = h.placed({ user: 'b', side: 'buy', orderType: 'stop-limit', stopPrice: 105, price: 106, quantity: 3 });
    expect(h.balance('b', 'USD').locked).toBe(318);
    h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 106, quantity: 1 });
    h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 107, quantity: 5 });
    printTrade(h, 105);
    const order = h.engine.order(id);
    expect(order).toMatchObject({ status: 'resting', price: 106, remaining: 2 });
    expect(h.balance('b', 'USD').locked).toBe(212);
  });

  test('a buy stop-market by quantity locks funds only when triggered', () => {
    const h = setup();
    printTrade(h, 100);
    const id = h.placed({ user: 'b', side: 'buy', orderType: 'stop-loss', stopPrice: 101, quantity: 2 });
    expect(h.balance('b', 'USD').locked).toBe(0);
    h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 103, quantity: 2 });
    printTrade(h, 101);
    expect(h.engine.order(id)).toBeUndefined();
    expect(h.balance('b', 'BTC').available).toBe(1_002);
    expect(h.balance('b', 'USD')).toEqual({ available: 1_000_000 - 206, locked: 0 });
  });

  test('trailing stop (amount) follows the price up and triggers on the pull-back', () => {
    const h = setup();
    printTrade(h, 100);
    const id = h.placed({ user: 'b', side: 'sell', orderType: 'trailing-stop', trailingAmount: 5, quantity: 1 });
    h.placed({ user: 'c', side: 'buy', orderType: 'limit', price: 50, quantity: 10 });
    printTrade(h, 104);
    printTrade(h, 110);
    expect(h.engine.order(id)).toMatchObject({ status: 'waiting', trailReference: 110 });
    printTrade(h, 106); // 110 - 5 = 105: not yet
    expect(h.engine.order(id)?.status).toBe('waiting');
    printTrade(h, 107);
    expect(h.engine.order(id)?.trailReference).toBe(110);
    h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 105, quantity: 1 });
    const r = h.place({ user: 's', side: 'buy', orderType: 'limit', price: 105, quantity: 1 });
    expect(eventsOf(r, 'OrderTriggered')[0]).toMatchObject({ orderId: id, lastPrice: 105 });
    expect(eventsOf(r, 'Trade').find((t) => t.takerOrderId === id)).toMatchObject({ price: 50, quantity: 1 });
  });

  test('trailing stop (percent) buy follows the price down and triggers on the bounce', () => {
    const h = setup();
    printTrade(h, 1000);
    const id = h.placed({ user: 'b', side: 'buy', orderType: 'trailing-stop', trailingBps: 200, quantity: 1 });
    h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 2000, quantity: 1 });
    printTrade(h, 900);
    expect(h.engine.order(id)?.trailReference).toBe(900);
    printTrade(h, 917); // 900 + 2% = 918
    expect(h.engine.order(id)?.status).toBe('waiting');
    h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 918, quantity: 1 });
    const r = h.place({ user: 's', side: 'buy', orderType: 'limit', price: 918, quantity: 1 });
    expect(eventsOf(r, 'OrderTriggered')[0].orderId).toBe(id);
    expect(eventsOf(r, 'Trade').find((t) => t.takerOrderId === id)).toMatchObject({ price: 2000 });
  });
});

describe('OCO', () => {
  test('a fill of the limit leg cancels the stop leg', () => {
    const h = setup();
    printTrade(h, 100);
    const limit = h.placed({ user: 'b', side: 'sell', orderType: 'oco', price: 110, stopPrice: 90, quantity: 2 });
    const stop = limit + 1;
    expect(h.engine.order(stop)).toMatchObject({ status: 'waiting', ocoPeerId: limit });
    expect(h.balance('b', 'BTC').locked).toBe(2); // one lock backs both legs
    const r = h.place({ user: 'c', side: 'buy', orderType: 'limit', price: 110, quantity: 1 });
    expect(eventsOf(r, 'OrderCancelled')).toEqual([expect.objectContaining({ orderId: stop, reason: 'OCO' })]);
    expect(h.engine.order(limit)).toMatchObject({ remaining: 1, ocoPeerId: null });
    expect(h.balance('b', 'BTC').locked).toBe(1);
  });

  test('a trigger of the stop leg cancels the limit leg', () => {
    const h = setup();
    printTrade(h, 100);
    const limit = h.placed({ user: 'b', side: 'buy', orderType: 'oco', price: 90, stopPrice: 110, stopLimitPrice: 112, quantity: 2 });
    expect(h.balance('b', 'USD').locked).toBe(224); // max(90×2, 112×2)
    h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 112, quantity: 5 });
    printTrade(h, 110);
    const stop = limit + 1;
    expect(h.engine.order(limit)).toBeUndefined();
    expect(h.engine.order(stop)).toBeUndefined(); // triggered and filled at 112
    expect(h.balance('b', 'BTC').available).toBe(1_002);
    expect(h.balance('b', 'USD').locked).toBe(0);
  });

  test('cancelling one leg cancels both', () => {
    const h = setup();
    printTrade(h, 100);
    const limit = h.placed({ user: 'b', side: 'sell', orderType: 'oco', price: 110, stopPrice: 90, quantity: 2, clientOrderId: 'pair' });
    const r = h.ok({ type: 'CancelOrder', user: 'b', clientOrderId: 'pair' });
    expect(eventsOf(r, 'OrderCancelled').map((e) => [e.orderId, e.reason])).toEqual([
      [limit, 'USER'],
      [limit + 1, 'OCO'],
    ]);
    expect(h.balance('b', 'BTC').locked).toBe(0);
  });
});

describe('iceberg', () => {
  test('shows one slice at a time and each refresh goes to the back of its level', () => {
    const h = setup();
    const ice = h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 10, displayQuantity: 3 });
    const plain = h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 100, quantity: 2 });
    expect(h.engine.depth('BTC-USD').asks).toEqual([{ price: 100, quantity: 5, orders: 2 }]);
    const r = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 100, quantity: 4 });
    // The iceberg's first slice trades, it refreshes behind the plain order, which trades next.
    expect(trades(r)).toEqual([
      [ice, 100, 3],
      [plain, 100, 1],
    ]);
    expect(eventsOf(r, 'IcebergRefreshed')).toEqual([{ type: 'IcebergRefreshed', orderId: ice, visible: 3, remaining: 7 }]);
    const next = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 100, quantity: 2 });
    expect(trades(next)).toEqual([
      [plain, 100, 1],
      [ice, 100, 1],
    ]);
  });

  test('a taker can eat several slices of the same iceberg', () => {
    const h = setup();
    const ice = h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 7, displayQuantity: 3 });
    const r = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 100, quantity: 7 });
    expect(trades(r)).toEqual([
      [ice, 100, 3],
      [ice, 100, 3],
      [ice, 100, 1],
    ]);
  });
});

describe('post-only', () => {
  test('rests when it would not take, is rejected when it would', () => {
    const h = setup();
    h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 1 });
    expect(h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 99, quantity: 1, postOnly: true }).code).toBe('OK');
    const r = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 100, quantity: 1, postOnly: true });
    expect(r.code).toBe('POST_ONLY_WOULD_TAKE');
    expect(r.events).toEqual([{ type: 'Rejected', command: 'PlaceOrder', code: 'POST_ONLY_WOULD_TAKE' }]);
  });
});

describe('time in force', () => {
  test('IOC fills what it can and cancels the rest', () => {
    const h = setup();
    h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 2 });
    const r = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 100, quantity: 5, timeInForce: 'IOC' });
    expect(eventsOf(r, 'Trade')).toHaveLength(1);
    expect(eventsOf(r, 'OrderCancelled')).toEqual([expect.objectContaining({ reason: 'IOC', remaining: 3 })]);
    expect(h.balance('b', 'USD').locked).toBe(0);
  });

  test('FOK fills completely or is rejected with nothing changed', () => {
    const h = setup();
    h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 2 });
    h.placed({ user: 'c', side: 'sell', orderType: 'limit', price: 101, quantity: 2 });
    const before = h.engine.stateHash();
    const rejected = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 101, quantity: 5, timeInForce: 'FOK' });
    expect(rejected.code).toBe('FOK_NOT_FILLED');
    expect(h.engine.stateHash()).toBe(before);
    const filled = h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 101, quantity: 4, timeInForce: 'FOK' });
    expect(eventsOf(filled, 'Trade').map((t) => t.quantity)).toEqual([2, 2]);
    expect(eventsOf(filled, 'OrderFilled').map((e) => e.orderId)).toContain(filled.orderId);
  });

  test('FOK counts iceberg reserves but not own orders it would stop at', () => {
    const h = setup();
    h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 6, displayQuantity: 2 });
    expect(h.place({ user: 'b', side: 'buy', orderType: 'market', quantity: 6, timeInForce: 'FOK' }).code).toBe('OK');
    h.placed({ user: 's', side: 'sell', orderType: 'limit', price: 100, quantity: 6, displayQuantity: 2 });
    h.placed({ user: 'b', side: 'sell', orderType: 'limit', price: 100, quantity: 5 });
    // Cancel-newest would stop at b's own order after the first slice: only 2 reachable.
    expect(h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 100, quantity: 3, timeInForce: 'FOK' }).code).toBe('FOK_NOT_FILLED');
    expect(
      h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 100, quantity: 6, timeInForce: 'FOK', selfTradePrevention: 'cancel-oldest' })
        .code,
    ).toBe('OK');
  });

  test('GTC rests across days', () => {
    const h = setup();
    const id = h.placed({ user: 'b', side: 'buy', orderType: 'limit', price: 90, quantity: 1 });
    h.ok({ type: 'Tick' }, h.ts + 10 * 86_400_000);
    expect(h.engine.order(id)).toBeDefined();
  });

  test('DAY expires at the next session close, when a later command arrives', () => {
    const closeAt = 22 * 3_600_000; // 22:00 UTC
    const h = setup(simpleMarket({ sessionCloseMs: closeAt }));
    const start = Date.UTC(2026, 0, 5, 10, 0, 0);
    const id = h.placed({ user: 'b', side: 'buy', orderType: 'limit', price: 90, quantity: 3, timeInForce: 'DAY' }, start);
    const expireAt = Date.UTC(2026, 0, 5, 22, 0, 0);
    expect(h.engine.order(id)?.expireAt).toBe(expireAt);
    expect(nextSessionClose(expireAt, closeAt)).toBe(expireAt + 86_400_000);
    h.ok({ type: 'Tick' }, expireAt - 1);
    expect(h.balance('b', 'USD').locked).toBe(270);
    // Any later command expires it first; here a deposit.
    const r = h.ok({ type: 'AdjustBalance', user: 'c', asset: 'USD', amount: 1, idempotencyKey: 'later' }, expireAt);
    expect(r.events[0]).toEqual({ type: 'OrderExpired', orderId: id, user: 'b', remaining: 3 });
    expect(h.balance('b', 'USD')).toEqual({ available: 1_000_000, locked: 0 });
  });

  test('GTD expires at its own time; an expiry in the past is rejected', () => {
    const h = setup();
    expect(h.place({ user: 'b', side: 'buy', orderType: 'limit', price: 90, quantity: 1, timeInForce: 'GTD', expireAt: h.ts }).code).toBe(
      'INVALID_EXPIRY',
    );
    const id = h.placed({ user: 'b', side: 'buy', orderType: 'limit', price: 90, quantity: 1, timeInForce: 'GTD', expireAt: h.ts + 5_000 });
    const other = h.placed({ user: 'b', side: 'buy', orderType: 'limit', price: 89, quantity: 1, timeInForce: 'GTD', expireAt: h.ts + 9_000 });
    const r = h.ok({ type: 'Tick' }, h.ts + 6_000);
    expect(eventsOf(r, 'OrderExpired').map((e) => e.orderId)).toEqual([id]);
    expect(h.engine.order(other)).toBeDefined();
  });

  test('a waiting stop with GTD expires too', () => {
    const h = setup();
    printTrade(h, 100);
    const id = h.placed({ user: 'b', side: 'sell', orderType: 'stop-loss', stopPrice: 90, quantity: 1, timeInForce: 'GTD', expireAt: h.ts + 10 });
    const r = h.ok({ type: 'Tick' }, h.ts + 10);
    expect(eventsOf(r, 'OrderExpired').map((e) => e.orderId)).toEqual([id]);
    expect(h.balance('b', 'BTC').locked).toBe(0);
  });
});
