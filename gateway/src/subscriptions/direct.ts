import type { ExecutionResult } from 'graphql';
import WebSocket from 'ws';

type Result = ExecutionResult<Record<string, unknown>, Record<string, unknown>>;

/**
 * The `payload` of a graphql-ws `next` message, as graphql-ws itself writes it (the result's
 * fields, `errors` last and formatted), so that the frames written here are byte for byte what
 * graphql-ws would have sent. Computed once per event and shared by every client's frame.
 */
export function nextPayloadJson(result: Result): string {
  const { errors, ...rest } = result;
  return JSON.stringify(errors ? { ...rest, errors: errors.map((e) => ('toJSON' in e ? e.toJSON() : e)) } : rest);
}

/**
 * Bytes that may wait in `ws` and the kernel-bound socket buffer before this writer keeps further
 * frames itself. Past it, a frame is sent with a callback that resumes writing once the socket
 * has taken everything before it.
 */
const HIGH_WATER_BYTES = 64 * 1024;
/**
 * Frames a socket may have waiting in the writer (each is a client's subscription and a payload
 * shared by every client, so a few bytes) before its subscriptions are cut off: a client this far
 * behind is told so and unsubscribed rather than letting the gateway's memory grow (the same
 * bound as the per-subscription buffer graphql-ws's iterator path had).
 */
const MAX_QUEUED_FRAMES = 10_000;

export const SLOW_CONSUMER = 'SLOW_CONSUMER';

/** Where a direct subscription's frames go: one per client socket, shared by its subscriptions. */
export class SocketWriter {
  /** Frames (or end markers) waiting while the socket is over its high-water mark. */
  private queue: { listener: DirectListener; payload: string | null; then?: () => void }[] = [];
  private waiting = false;

  constructor(
    private readonly socket: WebSocket,
    /** Whether graphql-ws still runs operation `id` on this socket (not completed by the client, socket open). */
    private readonly live: (id: string) => boolean,
  ) {}

  write(listener: DirectListener, payload: string): void {
    if (this.waiting) {
      this.queue.push({ listener, payload });
      if (this.queue.length > MAX_QUEUED_FRAMES) this.overflow();
      return;
    }
    this.send(listener, payload);
  }

  /** Runs `then` once every frame already written for `listener` has been handed to the socket. */
  after(listener: DirectListener, then: () => void): void {
    if (this.waiting) this.queue.push({ listener, payload: null, then });
    else then();
  }

  private send(listener: DirectListener, payload: string): void {
    const socket = this.socket;
    if (socket.readyState !== WebSocket.OPEN || listener.closed || !this.live(listener.id)) return;
    const frame = listener.prefix + payload + '}';
    if (socket.bufferedAmount < HIGH_WATER_BYTES) {
      socket.send(frame);
      return;
    }
    this.waiting = true;
    socket.send(frame, (error) => (error ? this.abandon() : this.drain()));
  }

  private drain(): void {
    this.waiting = false;
    let index = 0;
    for (; index < this.queue.length && !this.waiting; index += 1) {
      const entry = this.queue[index];
      if (entry.payload === null) entry.then?.();
      else this.send(entry.listener, entry.payload);
    }
    this.queue = index === this.queue.length ? [] : this.queue.slice(index);
  }

  /** The socket failed: nothing more can be written; pending ends still run. */
  private abandon(): void {
    const ends = this.queue.filter((entry) => entry.payload === null);
    this.queue = [];
    this.waiting = false;
    for (const entry of ends) entry.then?.();
  }

  private overflow(): void {
    const listeners = new Set(this.queue.map((entry) => entry.listener));
    const ends = this.queue.filter((entry) => entry.payload === null);
    this.queue = [];
    for (const listener of listeners) listener.cutOff();
    for (const entry of ends) entry.then?.();
  }

  /** Sends a frame now, ahead of anything queued (the last word to a client being cut off). */
  sendNow(listener: DirectListener, payload: string): void {
    if (this.socket.readyState === WebSocket.OPEN && this.live(listener.id)) this.socket.send(listener.prefix + payload + '}');
  }
}

const SLOW_CONSUMER_PAYLOAD = JSON.stringify({
  errors: [{ message: 'The client fell too far behind this feed and was unsubscribed', extensions: { code: SLOW_CONSUMER } }],
});

/**
 * One client's subscription to a shared upstream, written straight to the client's socket: the
 * event's payload is serialized once for all listeners and each client's `next` frame is its
 * `id` prefix around it. To graphql-ws it is the subscription's async iterator, which yields
 * nothing and finishes when the subscription ends, so graphql-ws still sends `complete`, and
 * still calls `return()` when the client completes the operation or the socket closes.
 */
export class DirectListener implements AsyncIterableIterator<Result> {
  /** `{"id":…,"type":"next","payload":` — the frame around a payload, as graphql-ws orders it. */
  readonly prefix: string;
  closed = false;
  private ended = false;
  private waiting: ((result: IteratorResult<Result>) => void) | null = null;

  constructor(
    readonly id: string,
    private readonly writer: SocketWriter,
    private readonly onClose: (listener: DirectListener) => void,
  ) {
    this.prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  }

  /** An event's payload (see `nextPayloadJson`). */
  send(payload: string): void {
    if (!this.closed) this.writer.write(this, payload);
  }

  /** Ends the subscription once what was sent before has gone out; graphql-ws then sends `complete`. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.writer.after(this, () => this.finish());
  }

  /** The socket is too far behind: unsubscribe with an error the client can see. */
  cutOff(): void {
    if (this.closed) return;
    this.writer.sendNow(this, SLOW_CONSUMER_PAYLOAD);
    this.close();
    this.finish();
  }

  next(): Promise<IteratorResult<Result>> {
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** The client completed the operation or the socket closed (graphql-ws calls this). */
  return(): Promise<IteratorResult<Result>> {
    this.close();
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
  }

  private finish(): void {
    this.closed = true;
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
