import { PubSub } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import Redis from 'ioredis';
import { redisName } from './config';

/**
 * Events between processes (docs/architecture.md, "A subscription event"). The subgraph that owns a fact publishes it on a
 * channel named `<domain>.<event>.<scope>`; subscription resolvers listen on that channel.
 * With REDIS_URL, Redis carries events between processes (graphql-redis-subscriptions,
 * JSON payloads, so any Redis client can publish); without it everything runs in one process
 * and an in-process PubSub stands in.
 */
export interface EventBus {
  publish(channel: string, payload: unknown): Promise<void>;
  subscribe<T>(channel: string): AsyncIterableIterator<T>;
  close(): Promise<void>;
}

export { channel } from './contracts/channel';

/** Events held while Redis is away, at most; beyond it the oldest are dropped (and counted in the log). */
const HELD_EVENTS_MAX = 10_000;

class RedisEventBus implements EventBus {
  private readonly pubsub: RedisPubSub;
  private readonly subscriber: Redis;
  /**
   * Events published while the subscriber connection is not ready (Redis away or restarting),
   * sent once it is back and has renewed its subscriptions: a subscription this process serves
   * then gets every event of the outage, in order, instead of losing those that would reach
   * Redis before the subscription did.
   */
  private held: { channel: string; payload: unknown; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private subscriberReady = false;

  constructor(url: string) {
    const options = { maxRetriesPerRequest: null, lazyConnect: false };
    // No ready check on the subscriber: a SUBSCRIBE issued while it connects (a subgraph that
    // follows channels from its start) puts the connection in subscriber mode, and ioredis's
    // ready-check INFO would then be refused and crash the process.
    // The publisher pipelines automatically: every event published in one tick (a matching
    // batch announces each order, balance, trade and book change) goes out in one write.
    this.subscriber = new Redis(url, { ...options, enableReadyCheck: false });
    this.pubsub = new RedisPubSub({
      publisher: new Redis(url, { ...options, enableAutoPipelining: true }),
      subscriber: this.subscriber,
    });
    this.subscriber.on('close', () => {
      this.subscriberReady = false;
    });
    // On (re)connection ioredis renews the subscriptions first; a PING answered on the same
    // connection comes after their replies, so once it is back every channel is listened to again.
    this.subscriber.on('ready', () => {
      void this.subscriber.ping().then(
        () => {
          this.subscriberReady = true;
          this.releaseHeld();
        },
        () => undefined,
      );
    });
  }

  publish(name: string, payload: unknown): Promise<void> {
    if (this.subscriberReady && this.held.length === 0) return this.pubsub.publish(redisName(name), payload);
    return new Promise<void>((resolve, reject) => {
      this.held.push({ channel: redisName(name), payload, resolve, reject });
      if (this.held.length > HELD_EVENTS_MAX) {
        this.held.shift()!.reject(new Error('Redis away too long: the oldest held event was dropped'));
      }
    });
  }

  private releaseHeld(): void {
    const held = this.held;
    this.held = [];
    for (const event of held) this.pubsub.publish(event.channel, event.payload).then(event.resolve, event.reject);
  }

  subscribe<T>(name: string): AsyncIterableIterator<T> {
    return this.pubsub.asyncIterator<T>(redisName(name)) as unknown as AsyncIterableIterator<T>;
  }

  async close(): Promise<void> {
    for (const event of this.held.splice(0)) event.reject(new Error('event bus closed'));
    await this.pubsub.close();
  }
}

class InProcessEventBus implements EventBus {
  private readonly pubsub = new PubSub();
  publish(name: string, payload: unknown): Promise<void> {
    return this.pubsub.publish(name, payload);
  }
  subscribe<T>(name: string): AsyncIterableIterator<T> {
    return this.pubsub.asyncIterableIterator<T>(name);
  }
  async close(): Promise<void> {}
}

/** In embedded mode every subgraph in the process must share one bus, so it is kept here. */
let inProcessBus: InProcessEventBus | undefined;

export function createEventBus(url: string | undefined): EventBus {
  if (url) return new RedisEventBus(url);
  inProcessBus ??= new InProcessEventBus();
  return inProcessBus;
}
