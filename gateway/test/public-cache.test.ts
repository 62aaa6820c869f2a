import { PublicFetchCache, epochOf, epochsCurrent, epochsTouchedBy, noteFetch, publicMaxAge } from '../src/cache/public-cache';

describe('publicMaxAge', () => {
  it.each([
    ['max-age=5, public', 5],
    ['public, max-age=60', 60],
    ['max-age=5, private', null],
    ['max-age=5', null],
    ['public, max-age=0', null],
    ['no-store', null],
    ['public, max-age=5, no-cache', null],
    [null, null],
  ])('%s → %s', (header, expected) => {
    expect(publicMaxAge(header)).toBe(expected);
  });
});

describe('PublicFetchCache and write epochs', () => {
  it('returns a fresh copy each time, so one request cannot alter the next one’s answer', () => {
    const cache = new PublicFetchCache();
    const key = PublicFetchCache.key('s1', '{ markets { symbol } }', {});
    cache.store(key, 's1', { data: { markets: [{ symbol: 'BTC-USDT' }] } }, 5, epochOf('s1'));
    const first = cache.get(key, 's1');
    (first!.response.data as { markets: { symbol: string; extra?: number }[] }).markets[0].extra = 1;
    expect(cache.get(key, 's1')!.response).toEqual({ data: { markets: [{ symbol: 'BTC-USDT' }] } });
    expect(cache.get(key, 's1')!.maxAge).toBeLessThanOrEqual(5);
  });

  it('does not store errors, and drops answers once a mutation reached the subgraph', () => {
    const cache = new PublicFetchCache();
    const failed = PublicFetchCache.key('s2', '{ a }', {});
    cache.store(failed, 's2', { data: { a: null }, errors: [{ message: 'x' } as never] }, 5, epochOf('s2'));
    expect(cache.get(failed, 's2')).toBeNull();
    const key = PublicFetchCache.key('s2', '{ b }', {});
    cache.store(key, 's2', { data: { b: 1 } }, 5, epochOf('s2'));
    expect(cache.get(key, 's2')).not.toBeNull();
    noteFetch(undefined, 's3', true); // another subgraph's write changes nothing here
    expect(cache.get(key, 's2')).not.toBeNull();
    noteFetch(undefined, 's2', true);
    expect(cache.get(key, 's2')).toBeNull();
  });

  it('does not keep an answer fetched before a write that landed meanwhile', () => {
    const cache = new PublicFetchCache();
    const key = PublicFetchCache.key('s4', '{ c }', {});
    const epochAtSend = epochOf('s4');
    noteFetch(undefined, 's4', true);
    cache.store(key, 's4', { data: { c: 1 } }, 5, epochAtSend);
    expect(cache.get(key, 's4')).toBeNull();
  });

  it('snapshots the epochs a request saw when it fetched', () => {
    const request = {};
    noteFetch(request, 's5', false);
    noteFetch(request, 's6', false);
    const snapshot = epochsTouchedBy(request);
    expect([...snapshot.keys()]).toEqual(['s5', 's6']);
    expect(epochsCurrent(snapshot)).toBe(true);
    noteFetch({}, 's6', true);
    expect(epochsCurrent(snapshot)).toBe(false);
  });
});
