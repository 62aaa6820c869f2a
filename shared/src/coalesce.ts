import { badInput } from './errors';

/**
 * Per-key coalescing for subscription streams. A subscriber that follows fast-moving keys
 * (a market's price, ticker or candle) gets at most one update per key per interval, so a slow
 * mobile client is not flooded, and never loses the latest value: within an interval newer
 * values replace older ones and the newest is delivered when the interval ends (trailing edge).
 *
 * The first value of a key after a quiet interval goes out at once (leading edge). Values a
 * consumer has not pulled yet are replaced in place, so a slow consumer holds at most one
 * value per key. `return()` stops every timer and ends the source.
 */
export interface CoalesceOptions<T> {
  /** The key a value belongs to (e.g. the market symbol). */
  keyOf: (value: T) => string;
  /** Shortest time between two values of one key, in ms; 0 or less passes everything through. */
  intervalMs: number;
  /**
   * How a newer value of a key folds into an older one not yet delivered (default: the newer
   * replaces it). For values that are changes rather than states, e.g. order-book deltas, whose
   * merge must say what both said.
   */
  merge?: (older: T, newer: T) => T;
}

/** Most updates per second a client may ask for with `maxPerSecond` on a subscription. */
export const MAX_PER_SECOND_LIMIT = 1000;

/** The description every subscription's `maxPerSecond` argument carries (README, "maxPerSecond"). */
export const MAX_PER_SECOND_DESCRIPTION =
  `At most this many updates per second per key (per market, asset or order), 1 to ${MAX_PER_SECOND_LIMIT}; within a second newer values replace older ones and the latest is always delivered. Lowers the server's own cap, never raises it`;

/**
 * The coalescing interval for a subscription whose client asked for `maxPerSecond` (null or
 * undefined: none), given the server's own interval (0: none). A client can only slow its own
 * stream down: the longer of the two intervals wins. Throws BAD_USER_INPUT outside 1..1000.
 */
export function maxPerSecondInterval(maxPerSecond: unknown, serverIntervalMs = 0): number {
  if (maxPerSecond === null || maxPerSecond === undefined) return Math.max(0, serverIntervalMs);
  if (typeof maxPerSecond !== 'number' || !Number.isInteger(maxPerSecond) || maxPerSecond < 1 || maxPerSecond > MAX_PER_SECOND_LIMIT) {
    throw badInput(`maxPerSecond must be a whole number from 1 to ${MAX_PER_SECOND_LIMIT}`, 'maxPerSecond');
  }
  return Math.max(1000 / maxPerSecond, serverIntervalMs);
}

type Waiter<T> = { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void };

export function coalesce<T>(source: AsyncIterable<T> | AsyncIterator<T>, options: CoalesceOptions<T>): AsyncIterableIterator<T> {
  const iterator: AsyncIterator<T> =
    Symbol.asyncIterator in (source as object) ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as AsyncIterator<T>);
  const { keyOf, intervalMs, merge } = options;
  /** Released values the consumer has not pulled yet, one per key, in release order. */
  const ready = new Map<string, T>();
  /** Values held back until their key's interval ends. */
  const held = new Map<string, T>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const lastRelease = new Map<string, number>();
  const waiters: Waiter<T>[] = [];
  let pumping = false;
  let sourceDone = false;
  let failure: { error: unknown } | undefined;
  let closed = false;

  const settle = () => {
    while (waiters.length > 0) {
      const first = ready.entries().next();
      if (!first.done) {
        const [key, value] = first.value;
        ready.delete(key);
        waiters.shift()!.resolve({ value, done: false });
      } else if (closed || (sourceDone && held.size === 0)) {
        const waiter = waiters.shift()!;
        if (failure && !closed) {
          const { error } = failure;
          failure = undefined;
          closed = true;
          waiter.reject(error);
        } else waiter.resolve({ value: undefined, done: true });
      } else return;
    }
  };

  const release = (key: string, value: T) => {
    lastRelease.set(key, Date.now());
    const waiting = ready.get(key);
    const merged = merge && (waiting !== undefined || ready.has(key)) ? merge(waiting as T, value) : value;
    ready.delete(key); // a newer value of the key goes to the back of the queue
    ready.set(key, merged);
    settle();
  };

  const flushHeld = (key: string) => {
    timers.delete(key);
    const value = held.get(key);
    if (value === undefined && !held.has(key)) return;
    held.delete(key);
    release(key, value as T);
  };

  const accept = (value: T) => {
    const key = keyOf(value);
    if (intervalMs <= 0) return release(key, value);
    const last = lastRelease.get(key);
    const now = Date.now();
    if (!timers.has(key) && (last === undefined || now - last >= intervalMs)) return release(key, value);
    held.set(key, merge && held.has(key) ? merge(held.get(key) as T, value) : value);
    if (!timers.has(key)) {
      const wait = Math.max(0, (last ?? now) + intervalMs - now);
      timers.set(
        key,
        setTimeout(() => flushHeld(key), wait),
      );
    }
  };

  const stopTimers = () => {
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  };

  const pump = async () => {
    try {
      for (;;) {
        const result = await iterator.next();
        if (closed) return;
        if (result.done) break;
        accept(result.value);
      }
    } catch (error) {
      if (closed) return;
      failure = { error };
    }
    // The source ended: what is held goes out now rather than after its interval.
    sourceDone = true;
    stopTimers();
    for (const key of [...held.keys()]) flushHeld(key);
    settle();
  };

  const close = async (): Promise<IteratorResult<T>> => {
    if (!closed) {
      closed = true;
      stopTimers();
      held.clear();
      ready.clear();
      settle();
      await iterator.return?.();
    }
    return { value: undefined, done: true };
  };

  return {
    next(): Promise<IteratorResult<T>> {
      if (!pumping && !closed) {
        pumping = true;
        void pump();
      }
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiters.push({ resolve, reject });
        settle();
      });
    },
    return: close,
    async throw(error: unknown): Promise<IteratorResult<T>> {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * One stream from several: every value of every source, in arrival order. Lets one
 * subscription follow many channels (one per market); `return()` ends every source.
 */
export function mergeAsyncIterators<T>(sources: AsyncIterator<T>[]): AsyncIterableIterator<T> {
  const queue: T[] = [];
  const waiters: Waiter<T>[] = [];
  let open = sources.length;
  let closed = false;
  let started = false;
  let failure: { error: unknown } | undefined;

  const settle = () => {
    while (waiters.length > 0) {
      if (queue.length > 0) waiters.shift()!.resolve({ value: queue.shift()!, done: false });
      else if (failure) {
        const { error } = failure;
        failure = undefined;
        waiters.shift()!.reject(error);
        void close();
      } else if (closed || open === 0) waiters.shift()!.resolve({ value: undefined, done: true });
      else return;
    }
  };

  const drain = async (source: AsyncIterator<T>) => {
    try {
      for (;;) {
        const result = await source.next();
        if (closed || result.done) break;
        queue.push(result.value);
        settle();
      }
    } catch (error) {
      if (!closed) failure = { error };
    }
    open -= 1;
    settle();
  };

  const close = async (): Promise<IteratorResult<T>> => {
    if (!closed) {
      closed = true;
      queue.length = 0;
      settle();
      await Promise.all(sources.map((source) => source.return?.()));
    }
    return { value: undefined, done: true };
  };

  return {
    next() {
      if (!started && !closed) {
        started = true;
        for (const source of sources) void drain(source);
      }
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiters.push({ resolve, reject });
        settle();
      });
    },
    return: close,
    async throw(error: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * `live`, preceded by `initial` once it has been read. The first pull from `live` is made at once,
 * before `initial` is read, so that the subscription to changes is under way first: a change
 * between the two is then delivered after the snapshot, never lost. A hand-made iterator rather
 * than a generator: a generator waiting for `live` could not be stopped until the next event.
 */
export function startingWith<T>(initial: () => Promise<T[]>, live: AsyncIterableIterator<T>): AsyncIterableIterator<T> {
  const firstLive = live.next();
  let firstTaken = false;
  let queue: T[] | null = null;
  const snapshot = initial().then(
    (items) => void (queue ??= items),
    () => void (queue ??= []),
  );
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      await snapshot;
      const item = queue?.shift();
      if (item !== undefined) return { value: item, done: false };
      if (!firstTaken) {
        firstTaken = true;
        return firstLive;
      }
      return live.next();
    },
    return() {
      queue = [];
      firstTaken = true;
      return live.return ? live.return() : Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
