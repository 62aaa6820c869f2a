import { GraphQLError } from 'graphql';
import { SLOW_CONSUMER, type EventFrames } from './direct';
import type { HubListener } from './hub';

/**
 * Bytes a client's HTTP stream may have waiting for the client (in the response's buffer) before
 * its subscription is cut off: a client this far behind is told so and unsubscribed, rather than
 * letting the gateway's memory grow. (The WebSocket path's bound is 10,000 frames per socket.)
 */
export const MAX_BACKLOG_BYTES = 1024 * 1024;
/** Items a transport has not read yet (it reads as they come, so this is only a safety net). */
const MAX_QUEUED = 10_000;

/** How one transport turns the hub's events, and its own last words, into what it writes. */
export interface StreamEncoding<Item> {
  /** An event (its frames are shared by every listener of the feed: memoize per event there). */
  event(frames: EventFrames): Item;
  /** The subscription is ended by the gateway (slow client, ended session, revoked key). */
  terminal(error: GraphQLError): Item;
}

/**
 * One client's subscription over an HTTP stream (graphql-sse, multipart): the hub's listener on
 * one side, the async iterator its transport writes from on the other. Same contract as the
 * WebSocket path's `DirectListener` — events in order, the end only after what came before, a
 * client too far behind cut off with SLOW_CONSUMER — over a response instead of a socket.
 */
export class StreamListener<Item> implements HubListener, AsyncIterableIterator<Item> {
  private readonly queue: Item[] = [];
  private waiting: ((result: IteratorResult<Item>) => void) | null = null;
  /** No more items will come (the feed ended, or the gateway ended it); the queue still drains. */
  private ended = false;
  /** The client went away or stopped the subscription, or the gateway cut it off: the hub is told once. */
  private closed = false;
  private readonly closeHandlers: (() => void)[] = [];

  constructor(
    private readonly encoding: StreamEncoding<Item>,
    /** Bytes written to the client and not yet taken by its connection. */
    private readonly backlog: () => number,
    private readonly onClose: (listener: HubListener) => void,
  ) {}

  send(frames: EventFrames): void {
    if (this.ended) return;
    if (this.backlog() > MAX_BACKLOG_BYTES || this.queue.length >= MAX_QUEUED) return this.cutOff();
    this.push(this.encoding.event(frames));
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.settle();
  }

  /** Ends the subscription with an error the client sees as its last item, and leaves the feed. */
  terminate(error: GraphQLError): void {
    if (this.ended) return;
    this.push(this.encoding.terminal(error));
    this.ended = true;
    this.close();
    this.settle();
  }

  /** Runs `handler` once, when the subscription is over for this client. */
  onClosed(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  next(): Promise<IteratorResult<Item>> {
    const item = this.queue.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.ended) {
      this.close();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** The client went away or stopped the subscription. */
  return(): Promise<IteratorResult<Item>> {
    this.ended = true;
    this.queue.length = 0;
    this.close();
    this.settle();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** As `return`: graphql-sse stops only iterators that look like generators (next, return and throw). */
  throw(): Promise<IteratorResult<Item>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private cutOff(): void {
    // Defined here rather than by each transport: the same words as over WebSocket.
    this.terminate(slowConsumer());
  }

  private push(item: Item): void {
    const resolve = this.waiting;
    if (resolve) {
      this.waiting = null;
      resolve({ value: item, done: false });
    } else {
      this.queue.push(item);
    }
  }

  /** Finishes a reader waiting on an empty queue once nothing more will come. */
  private settle(): void {
    if (!this.ended || this.queue.length > 0 || !this.waiting) return;
    const resolve = this.waiting;
    this.waiting = null;
    this.close();
    resolve({ value: undefined, done: true });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    for (const handler of this.closeHandlers.splice(0)) handler();
  }
}

function slowConsumer(): GraphQLError {
  return new GraphQLError('The client fell too far behind this feed and was unsubscribed', { extensions: { code: SLOW_CONSUMER } });
}
