import { Engine, type Command } from '../../src/domain/engine';
import { simpleMarket } from './helpers';

/** A journal that leaves every kind of state behind: resting orders and icebergs, waiting stops,
 *  an OCO pair, a trailing stop, GTD orders, fees, idempotency keys and a suspended market. */
function journal(): Command[] {
  let ts = 1_000;
  const at = () => ts++;
  const commands: Command[] = [
    { type: 'AddMarket', ts: at(), spec: simpleMarket({ makerFeeBps: 5, takerFeeBps: 20 }) },
    { type: 'AddMarket', ts: at(), spec: simpleMarket({ id: 'ETH-USD', base: 'ETH' }) },
  ];
  for (const user of ['a', 'b', 'c']) {
    for (const asset of ['USD', 'BTC', 'ETH']) {
      commands.push({ type: 'AdjustBalance', ts: at(), user, asset, amount: 100_000, idempotencyKey: `${user}-${asset}` });
    }
  }
  const place = (user: string, rest: Partial<Command> & Record<string, unknown>): Command =>
    ({ type: 'PlaceOrder', ts: at(), market: 'BTC-USD', user, ...rest }) as Command;
  commands.push(
    place('a', { side: 'sell', orderType: 'limit', price: 101, quantity: 10, displayQuantity: 3 }),
    place('b', { side: 'sell', orderType: 'limit', price: 102, quantity: 5, clientOrderId: 'x' }),
    place('c', { side: 'buy', orderType: 'limit', price: 101, quantity: 4 }),
    place('c', { side: 'buy', orderType: 'limit', price: 99, quantity: 4, timeInForce: 'GTD', expireAt: 50_000 }),
    place('a', { side: 'sell', orderType: 'oco', price: 110, stopPrice: 95, quantity: 2, clientOrderId: 'pair' }),
    place('b', { side: 'sell', orderType: 'trailing-stop', trailingBps: 300, quantity: 1 }),
    place('c', { side: 'buy', orderType: 'stop-limit', stopPrice: 105, price: 106, quantity: 2, timeInForce: 'DAY' }),
    { type: 'SuspendMarket', ts: at(), market: 'ETH-USD' },
  );
  return commands;
}

function continuation(): Command[] {
  let ts = 10_000;
  const at = () => (ts += 5_000);
  return [
    { type: 'PlaceOrder', ts: at(), market: 'BTC-USD', user: 'b', side: 'buy', orderType: 'limit', price: 103, quantity: 9 },
    { type: 'AmendOrder', ts: at(), user: 'c', orderId: 4, price: 100 },
    { type: 'PlaceOrder', ts: at(), market: 'BTC-USD', user: 'c', side: 'sell', orderType: 'market', quantity: 6 },
    { type: 'AdjustBalance', ts: at(), user: 'a', asset: 'USD', amount: 5, idempotencyKey: 'a-USD' },
    { type: 'ResumeMarket', ts: at(), market: 'ETH-USD' },
    { type: 'CancelOrder', ts: at(), user: 'a', clientOrderId: 'pair' },
    { type: 'Tick', ts: 200_000_000 },
  ];
}

test('snapshot is plain data and restore reproduces the same state hash', () => {
  const engine = new Engine();
  for (const c of journal()) engine.apply(c);
  const snapshot = engine.snapshot();
  const json = JSON.stringify(snapshot);
  expect(JSON.parse(json)).toEqual(snapshot);
  expect(snapshot.orders.some((o) => o.status === 'waiting')).toBe(true);
  expect(snapshot.orders.some((o) => o.ocoPeerId !== null)).toBe(true);
  const restored = Engine.restore(JSON.parse(json));
  expect(restored.stateHash()).toBe(engine.stateHash());
  expect(Engine.restore(JSON.parse(json), { book: 'reference' }).stateHash()).toBe(engine.stateHash());
});

test('restore from a snapshot + replay of the journal gives the same state hash and the same results', () => {
  const original = new Engine();
  for (const c of journal()) original.apply(c);
  const snapshot = JSON.parse(JSON.stringify(original.snapshot()));
  const restored = Engine.restore(snapshot);
  for (const c of continuation()) {
    expect(restored.apply(c)).toEqual(original.apply(c));
  }
  expect(restored.stateHash()).toBe(original.stateHash());
  // And the run really did something: trades happened, the GTD and DAY orders expired.
  expect(original.lastPrice('BTC-USD')).toBeDefined();
  expect(original.order(4)).toBeUndefined();
});

test('the state hash changes with the state and is independent of the book implementation', () => {
  const fast = new Engine();
  const reference = new Engine({ book: 'reference' });
  const hashes = new Set<string>();
  for (const c of journal()) {
    fast.apply(c);
    reference.apply(c);
    expect(fast.stateHash()).toBe(reference.stateHash());
    hashes.add(fast.stateHash());
  }
  expect(hashes.size).toBe(journal().length);
});
