import type { Duplex } from 'node:stream';
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

const CLOSING_BRACE = Buffer.from('}');

/**
 * One unfragmented, unmasked text frame (RFC 6455 §5.2: a server's frames are never masked)
 * holding `parts` one after another.
 */
function textFrame(parts: readonly Buffer[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (length < 126) frame[1] = length;
  else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  let offset = headerLength;
  for (const part of parts) offset += part.copy(frame, offset);
  return frame;
}

/**
 * One event's `next` frames, ready for the wire. The payload is encoded to UTF-8 once, and each
 * operation id's whole WebSocket frame is built once and written as it is to every socket whose
 * subscription has that id: clients choose their ids, and many clients of one feed choose the
 * same (a client's first operation is often "1"), so 200 subscribers of a market usually share
 * one Buffer instead of 200 strings each concatenated, UTF-8-encoded and framed by `ws`.
 */
export class EventFrames {
  private readonly payloadBytes: Buffer;
  private readonly byId = new Map<string, Buffer>();

  constructor(
    readonly payload: string,
    /** The event's result as an object, for transports that serialize it themselves (graphql-sse). */
    private resultObject?: Result,
  ) {
    this.payloadBytes = Buffer.from(payload);
  }

  get result(): Result {
    return (this.resultObject ??= JSON.parse(this.payload) as Result);
  }

  frameFor(listener: DirectListener): Buffer {
    let frame = this.byId.get(listener.id);
    if (!frame) {
      frame = textFrame([listener.prefixBytes, this.payloadBytes, CLOSING_BRACE]);
      this.byId.set(listener.id, frame);
    }
    return frame;
  }
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

/**
 * Where a direct subscription's frames go: one per client socket, shared by its subscriptions.
 *
 * Frames are written, already framed, to the connection's stream (the socket `ws` itself writes
 * to), not through `ws.send`, which would frame and encode each copy again. That is safe beside
 * graphql-ws's own messages because `ws` writes each of its frames to the stream at once, in the
 * order they are sent: it queues frames of its own only while compressing (permessage-deflate,
 * which the gateway never negotiates) or reading a Blob (graphql-ws sends strings). Whatever
 * waits in the stream still counts in `ws`'s `bufferedAmount`.
 */
export class SocketWriter {
  /**
   * Frames (or end markers) waiting while the socket is over its high-water mark. Each holds its
   * own frame (often one Buffer shared by every listener), not the event's `EventFrames`, which
   * would keep every other listener's frame alive too.
   */
  private queue: { listener: DirectListener; frame: Buffer | null; then?: () => void }[] = [];
  private waiting = false;

  constructor(
    private readonly socket: WebSocket,
    /** The connection's stream, as the HTTP server handed it over for the upgrade. */
    private readonly stream: Duplex,
    /** Whether graphql-ws still runs operation `id` on this socket (not completed by the client, socket open). */
    private readonly live: (id: string) => boolean,
  ) {}

  write(listener: DirectListener, frames: EventFrames): void {
    const frame = frames.frameFor(listener);
    if (this.waiting) {
      this.queue.push({ listener, frame });
      if (this.queue.length > MAX_QUEUED_FRAMES) this.overflow();
      return;
    }
    this.send(listener, frame);
  }

  /** Runs `then` once every frame already written for `listener` has been handed to the socket. */
  after(listener: DirectListener, then: () => void): void {
    if (this.waiting) this.queue.push({ listener, frame: null, then });
    else then();
  }

  private send(listener: DirectListener, frame: Buffer): void {
    const socket = this.socket;
    if (socket.readyState !== WebSocket.OPEN || listener.closed || !this.live(listener.id)) return;
    if (socket.bufferedAmount < HIGH_WATER_BYTES) {
      this.stream.write(frame);
      return;
    }
    this.waiting = true;
    this.stream.write(frame, (error) => (error ? this.abandon() : this.drain()));
  }

  private drain(): void {
    this.waiting = false;
    let index = 0;
    for (; index < this.queue.length && !this.waiting; index += 1) {
      const entry = this.queue[index];
      if (entry.frame === null) entry.then?.();
      else this.send(entry.listener, entry.frame);
    }
    this.queue = index === this.queue.length ? [] : this.queue.slice(index);
  }

  /** The socket failed: nothing more can be written; pending ends still run. */
  private abandon(): void {
    const ends = this.queue.filter((entry) => entry.frame === null);
    this.queue = [];
    this.waiting = false;
    for (const entry of ends) entry.then?.();
  }

  private overflow(): void {
    const listeners = new Set(this.queue.map((entry) => entry.listener));
    const ends = this.queue.filter((entry) => entry.frame === null);
    this.queue = [];
    for (const listener of listeners) listener.cutOff();
    for (const entry of ends) entry.then?.();
  }

  /** Sends a frame through `ws` now, ahead of anything queued (the last word to a client being cut off). */
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
  /** `prefix` in UTF-8, for `EventFrames`. */
  readonly prefixBytes: Buffer;
  closed = false;
  private ended = false;
  private waiting: ((result: IteratorResult<Result>) => void) | null = null;

  constructor(
    readonly id: string,
    private readonly writer: SocketWriter,
    private readonly onClose: (listener: DirectListener) => void,
  ) {
    this.prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
    this.prefixBytes = Buffer.from(this.prefix);
  }

  /** An event, as frames shared by every listener of the feed. */
  send(frames: EventFrames): void {
    if (!this.closed) this.writer.write(this, frames);
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
