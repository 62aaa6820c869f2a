import { coalesce, maxPerSecondInterval, mergeAsyncIterators } from '../src/coalesce';

/** A source the test pushes into by hand; records whether it was ended. */
function pushSource<T>() {
  const queue: T[] = [];
  const waiting: ((r: IteratorResult<T>) => void)[] = [];
  let ended = false;
  const iterator: AsyncIterator<T> & { returned: boolean } = {
    returned: false,
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => waiting.push(resolve));
    },
    async return() {
      iterator.returned = true;
      ended = true;
      for (const w of waiting.splice(0)) w({ value: undefined, done: true });
      return { value: undefined, done: true };
    },
  };
  return {
    iterator,
    push(value: T) {
      const w = waiting.shift();
      if (w) w({ value, done: false });
      else queue.push(value);
    },
    end() {
      ended = true;
      for (const w of waiting.splice(0)) w({ value: undefined, done: true });
    },
  };
}

type Tick = { market: string; price: number };
const keyOf = (t: Tick) => t.market;

/** Lets the pump move values through the microtask queue. */
const flush = () => jest.advanceTimersByTimeAsync(0);

describe('coalesce', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends the first value at once, holds a burst, and delivers the latest at the end of the interval', async () => {
    const source = pushSource<Tick>();
    const stream = coalesce(source.iterator, { keyOf, intervalMs: 1000 });
    const received: Tick[] = [];
    const reader = (async () => {
      for await (const t of stream) received.push(t);
    })();
    await flush();
    for (let price = 1; price <= 50; price++) source.push({ market: 'BTC', price });
    for (let price = 1; price <= 30; price++) source.push({ market: 'ETH', price });
    await flush();
    expect(received).toEqual([
      { market: 'BTC', price: 1 },
      { market: 'ETH', price: 1 },
    ]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(received.slice(2)).toEqual(
      expect.arrayContaining([
        { market: 'BTC', price: 50 },
        { market: 'ETH', price: 30 },
      ]),
    );
    expect(received).toHaveLength(4);
    // Nothing more was published: no more updates, no timers left.
    await jest.advanceTimersByTimeAsync(5000);
    expect(received).toHaveLength(4);
    expect(jest.getTimerCount()).toBe(0);
    await stream.return!();
    await reader;
  });

  it('keeps at most one update per key per interval under a steady stream, and the last value survives', async () => {
    const source = pushSource<Tick>();
    const stream = coalesce(source.iterator, { keyOf, intervalMs: 100 });
    const received: { at: number; tick: Tick }[] = [];
    const reader = (async () => {
      for await (const tick of stream) received.push({ at: Date.now(), tick });
    })();
    for (let price = 1; price <= 100; price++) {
      source.push({ market: 'BTC', price });
      await jest.advanceTimersByTimeAsync(10);
    }
    await jest.advanceTimersByTimeAsync(200);
    expect(received.length).toBeLessThan(100);
    expect(received.at(-1)!.tick.price).toBe(100);
    for (let i = 1; i < received.length; i++) expect(received[i]!.at - received[i - 1]!.at).toBeGreaterThanOrEqual(100);
    await stream.return!();
    await reader;
  });

  it('a slow consumer holds at most one value per key, the newest', async () => {
    const source = pushSource<Tick>();
    const stream = coalesce(source.iterator, { keyOf, intervalMs: 10 });
    const first = stream.next();
    await flush();
    for (let price = 1; price <= 20; price++) {
      source.push({ market: 'BTC', price });
      await jest.advanceTimersByTimeAsync(20);
    }
    expect((await first).value).toEqual({ market: 'BTC', price: 1 });
    expect((await stream.next()).value).toEqual({ market: 'BTC', price: 20 });
    await stream.return!();
  });

  it('return() clears every timer and ends the source', async () => {
    const source = pushSource<Tick>();
    const stream = coalesce(source.iterator, { keyOf, intervalMs: 1000 });
    const first = stream.next();
    source.push({ market: 'BTC', price: 1 });
    source.push({ market: 'BTC', price: 2 });
    source.push({ market: 'ETH', price: 1 });
    source.push({ market: 'ETH', price: 2 });
    await flush();
    expect((await first).value).toEqual({ market: 'BTC', price: 1 });
    expect(jest.getTimerCount()).toBeGreaterThan(0);
    const pending = stream.next(); // ETH 1 was released at once
    expect((await pending).value).toEqual({ market: 'ETH', price: 1 });
    const waiting = stream.next();
    await stream.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(jest.getTimerCount()).toBe(0);
    expect(source.iterator.returned).toBe(true);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('when the source ends, held values are delivered before done', async () => {
    const source = pushSource<Tick>();
    const stream = coalesce(source.iterator, { keyOf, intervalMs: 60_000 });
    const values: Tick[] = [];
    const reader = (async () => {
      for await (const t of stream) values.push(t);
    })();
    source.push({ market: 'BTC', price: 1 });
    source.push({ market: 'BTC', price: 2 });
    source.push({ market: 'BTC', price: 3 });
    await flush();
    source.end();
    await reader;
    expect(values).toEqual([
      { market: 'BTC', price: 1 },
      { market: 'BTC', price: 3 },
    ]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('an interval of 0 passes every value through', async () => {
    const source = pushSource<Tick>();
    const stream = coalesce(source.iterator, { keyOf, intervalMs: 0 });
    for (let price = 1; price <= 3; price++) source.push({ market: 'BTC', price });
    source.end();
    const values: number[] = [];
    for await (const t of stream) values.push(t.price);
    expect(values).toEqual([1, 2, 3]);
  });
});

describe('mergeAsyncIterators', () => {
  it('yields the values of every source and ends them all on return()', async () => {
    const a = pushSource<number>();
    const b = pushSource<number>();
    const merged = mergeAsyncIterators([a.iterator, b.iterator]);
    const first = merged.next();
    a.push(1);
    expect((await first).value).toBe(1);
    b.push(2);
    expect((await merged.next()).value).toBe(2);
    await merged.return!();
    expect(a.iterator.returned && b.iterator.returned).toBe(true);
  });

  it('ends when every source has ended', async () => {
    const a = pushSource<number>();
    const b = pushSource<number>();
    const merged = mergeAsyncIterators([a.iterator, b.iterator]);
    a.push(1);
    a.end();
    b.push(2);
    b.end();
    const values: number[] = [];
    for await (const v of merged) values.push(v);
    expect(values.sort()).toEqual([1, 2]);
  });
});

describe('coalesce with merge (changes rather than states)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('folds the values of an interval into one, so nothing said in between is lost', async () => {
    type Delta = { key: string; changes: string[] };
    const source = pushSource<Delta>();
    const stream = coalesce(source.iterator, {
      keyOf: (d) => d.key,
      intervalMs: 500,
      merge: (older, newer) => ({ key: newer.key, changes: [...older.changes, ...newer.changes] }),
    });
    const received: Delta[] = [];
    const reader = (async () => {
      for await (const d of stream) received.push(d);
    })();
    await flush();
    for (let i = 1; i <= 5; i++) source.push({ key: 'BTC', changes: [`c${i}`] });
    await flush();
    expect(received).toEqual([{ key: 'BTC', changes: ['c1'] }]);
    await jest.advanceTimersByTimeAsync(500);
    expect(received).toEqual([
      { key: 'BTC', changes: ['c1'] },
      { key: 'BTC', changes: ['c2', 'c3', 'c4', 'c5'] },
    ]);
    await stream.return!();
    await reader;
  });
});

describe('maxPerSecondInterval', () => {
  it('is the server interval when the client asks nothing, and can only lengthen it', () => {
    expect(maxPerSecondInterval(undefined, 250)).toBe(250);
    expect(maxPerSecondInterval(null)).toBe(0);
    expect(maxPerSecondInterval(2, 250)).toBe(500);
    expect(maxPerSecondInterval(10, 250)).toBe(250);
    expect(maxPerSecondInterval(4)).toBe(250);
  });

  it('refuses anything but a whole number from 1 to 1000 with BAD_USER_INPUT', () => {
    for (const bad of [0, -1, 1.5, 1001, '2']) {
      expect(() => maxPerSecondInterval(bad)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    }
  });
});
