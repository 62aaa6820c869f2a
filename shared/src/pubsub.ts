import { PubSub } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import Redis from 'ioredis';
import { redisName } from './config';

/**
 * Events between processes (DESIGN.md §4). The subgraph that owns a fact publishes it on a
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

export function channel(domain: string, event: string, scope: string): string {
  return `${domain}.${event}.${scope}`;
}

class RedisEventBus implements EventBus {
  private readonly pubsub: RedisPubSub;
  constructor(url: string) {
    const options = { maxRetriesPerRequest: null, lazyConnect: false };
    // No ready check on the subscriber: a SUBSCRIBE issued while it connects (a subgraph that
    // follows channels from its start) puts the connection in subscriber mode, and ioredis's
    // ready-check INFO would then be refused and crash the process.
    // The publisher pipelines automatically: every event published in one tick (a matching
    // batch announces each order, balance, trade and book change) goes out in one write.
    this.pubsub = new RedisPubSub({
      publisher: new Redis(url, { ...options, enableAutoPipelining: true }),
      subscriber: new Redis(url, { ...options, enableReadyCheck: false }),
    });
  }
  publish(name: string, payload: unknown): Promise<void> {
    return this.pubsub.publish(redisName(name), payload);
  }
  subscribe<T>(name: string): AsyncIterableIterator<T> {
    return this.pubsub.asyncIterator<T>(redisName(name)) as unknown as AsyncIterableIterator<T>;
  }
  async close(): Promise<void> {
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
