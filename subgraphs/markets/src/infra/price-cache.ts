import Redis from 'ioredis';
import { redisName } from '@tradegraph/shared';

/** Where last prices are cached: Redis with REDIS_URL, process memory in the embedded mode. */
export interface KeyValueCache {
  /** One round trip for every key (Redis MGET). */
  mget(keys: string[]): Promise<(string | null)[]>;
  /** One round trip for every entry (a pipeline of SET … PX). */
  mset(entries: [string, string][], ttlMs: number): Promise<void>;
  del(keys: string[]): Promise<void>;
  close(): Promise<void>;
}

export class RedisCache implements KeyValueCache {
  private readonly redis: Redis;
  constructor(url: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false });
  }
  async mget(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.redis.mget(keys.map(redisName));
  }
  async mset(entries: [string, string][], ttlMs: number): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [key, value] of entries) pipeline.set(redisName(key), value, 'PX', ttlMs);
    await pipeline.exec();
  }
  async del(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.redis.del(...keys.map(redisName));
  }
  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export class MemoryCache implements KeyValueCache {
  private readonly entries = new Map<string, { value: string; expires: number }>();
  async mget(keys: string[]): Promise<(string | null)[]> {
    const now = Date.now();
    return keys.map((key) => {
      const entry = this.entries.get(key);
      if (!entry || entry.expires <= now) return null;
      return entry.value;
    });
  }
  async mset(entries: [string, string][], ttlMs: number): Promise<void> {
    const expires = Date.now() + ttlMs;
    for (const [key, value] of entries) this.entries.set(key, { value, expires });
  }
  async del(keys: string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }
  async close(): Promise<void> {}
}

/** The cache key of a market's last price (inside the system's Redis namespace). */
export const priceKey = (market: string) => `markets:price:${market}`;
