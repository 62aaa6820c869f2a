import { loadConfig } from '@tradegraph/shared';
import { httpKeepAliveMs as keepAliveOf } from '../src/edge/keep-alive';

const httpKeepAliveMs = (env: Record<string, string>) => keepAliveOf(loadConfig(env));

describe('HTTP_KEEPALIVE_MS', () => {
  it('defaults to 65 s (unset or empty) and takes a whole number of milliseconds from 1 s', () => {
    expect(httpKeepAliveMs({})).toBe(65_000);
    expect(httpKeepAliveMs({ HTTP_KEEPALIVE_MS: '' })).toBe(65_000);
    expect(httpKeepAliveMs({ HTTP_KEEPALIVE_MS: '120000' })).toBe(120_000);
    for (const bad of ['999', '0', '-5', '1.5', 'long']) {
      expect(() => httpKeepAliveMs({ HTTP_KEEPALIVE_MS: bad })).toThrow(/HTTP_KEEPALIVE_MS/);
    }
  });
});
