/**
 * A push-based async iterator: the shared upstream pushes each resolved event to every
 * listener's channel, and graphql-ws pulls from it. When the client leaves, graphql-ws calls
 * `return()`, which runs `onClose` so the listener is removed at once.
 */
export class PushChannel<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private done = false;

  constructor(
    private readonly onClose: () => void,
    /** A client this far behind is cut off rather than letting the gateway's memory grow. */
    private readonly maxBuffered = 10_000,
  ) {}

  push(value: T): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value, done: false });
      return;
    }
    if (this.buffer.length >= this.maxBuffered) {
      this.close();
      return;
    }
    this.buffer.push(value);
  }

  /** Ends the stream after the buffered values are delivered. */
  end(): void {
    if (this.done) return;
    this.done = true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift() as T, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  private close(): void {
    this.buffer.length = 0;
    this.end();
    this.onClose();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
