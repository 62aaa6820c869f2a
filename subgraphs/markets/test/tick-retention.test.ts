import { loadConfig } from '@tradegraph/shared';
import { tickRetention } from '../src/events/feed-history';

const tickRetentionFromEnv = (env: Record<string, string>) => tickRetention(loadConfig(env));

describe('tick retention settings', () => {
  it('keeps 30 days by default (unset or empty), pruning hourly; 0 keeps every tick', () => {
    expect(tickRetentionFromEnv({})).toEqual({ days: 30, everyMs: 3_600_000 });
    expect(tickRetentionFromEnv({ PRICE_TICKS_RETENTION_DAYS: '', PRICE_TICKS_PRUNE_EVERY_MS: '' })).toEqual({
      days: 30,
      everyMs: 3_600_000,
    });
    expect(tickRetentionFromEnv({ PRICE_TICKS_RETENTION_DAYS: '0' })).toEqual({ days: 0, everyMs: 3_600_000 });
    expect(tickRetentionFromEnv({ PRICE_TICKS_RETENTION_DAYS: '7', PRICE_TICKS_PRUNE_EVERY_MS: '60000' })).toEqual({
      days: 7,
      everyMs: 60_000,
    });
  });

  it('refuses settings that are not whole and non-negative, naming the variable', () => {
    for (const days of ['-1', '1.5', 'week']) {
      expect(() => tickRetentionFromEnv({ PRICE_TICKS_RETENTION_DAYS: days })).toThrow(/PRICE_TICKS_RETENTION_DAYS/);
    }
    for (const every of ['0', '50', 'hourly']) {
      expect(() => tickRetentionFromEnv({ PRICE_TICKS_PRUNE_EVERY_MS: every })).toThrow(/PRICE_TICKS_PRUNE_EVERY_MS/);
    }
  });
});
