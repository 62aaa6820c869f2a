import { toUnits } from '@tradegraph/shared/domain';
import { AlertIndex, WindowHistory, indexedAlert, type IndexedAlert } from '../src/domain/alert-index';
import { firesAt, WINDOW_MS } from '../src/domain/alerts';

const T0 = Date.parse('2026-12-07T12:00:00Z');
let next = 0;

function alert(fields: Partial<IndexedAlert> & Pick<IndexedAlert, 'kind'>): IndexedAlert {
  return {
    id: `a${++next}`,
    userId: 'u1',
    market: 'BTC-USDT',
    threshold: null,
    percent: null,
    window: null,
    expiresAt: null,
    rearmAt: null,
    ...fields,
  };
}
const above = (threshold: string, fields: Partial<IndexedAlert> = {}) => alert({ kind: 'ABOVE', threshold: toUnits(threshold), ...fields });
const below = (threshold: string, fields: Partial<IndexedAlert> = {}) => alert({ kind: 'BELOW', threshold: toUnits(threshold), ...fields });
const change = (percent: string, window: IndexedAlert['window'], fields: Partial<IndexedAlert> = {}) =>
  alert({ kind: 'CHANGE_PERCENT', percent: toUnits(percent), window, ...fields });

function indexOf(...alerts: IndexedAlert[]): AlertIndex {
  const index = new AlertIndex();
  for (const a of alerts) index.add(a, T0);
  return index;
}
const firedIds = (index: AlertIndex, price: string, at = T0, market = 'BTC-USDT') => index.tick(market, price, at).map((f) => f.alert.id);

describe('the alert index: ABOVE and BELOW', () => {
  it('fires an ABOVE alert at the first price at or over its threshold, once, with that price', () => {
    const a = above('100');
    const index = indexOf(a);
    expect(firedIds(index, '99.999999999999999999')).toEqual([]);
    const fired = index.tick('BTC-USDT', '100', T0 + 1);
    expect(fired).toEqual([{ alert: a, price: '100', referencePrice: null, at: T0 + 1 }]);
    expect(firedIds(index, '101', T0 + 2)).toEqual([]);
    expect(index.size).toBe(0);
  });

  it('fires a BELOW alert at the first price at or under its threshold, exactly', () => {
    const b = below('100.1');
    const index = indexOf(b);
    expect(firedIds(index, '100.100000000000000001')).toEqual([]);
    expect(firedIds(index, '100.10', T0 + 1)).toEqual([b.id]);
  });

  it('fires exactly the crossed prefix: ABOVE lowest first up to the price, BELOW highest first down to it', () => {
    const ups = ['105', '101', '103', '110', '103'].map((t) => above(t));
    const downs = ['95', '99', '90', '97'].map((t) => below(t));
    const index = indexOf(...ups, ...downs);
    expect(firedIds(index, '103')).toEqual([ups[1].id, ups[2].id, ups[4].id]);
    expect(firedIds(index, '97', T0 + 1)).toEqual([downs[1].id, downs[3].id]);
    // A gap: far above in one tick fires every remaining ABOVE once, with that price.
    const gap = index.tick('BTC-USDT', '1000', T0 + 2);
    expect(gap.map((f) => [f.alert.id, f.price])).toEqual([
      [ups[0].id, '1000'],
      [ups[3].id, '1000'],
    ]);
    expect(firedIds(index, '1', T0 + 3)).toEqual([downs[0].id, downs[2].id]);
    expect(index.size).toBe(0);
  });

  it('keeps markets apart', () => {
    const btc = above('100');
    const eth = above('100', { market: 'ETH-USDT' });
    const index = indexOf(btc, eth);
    expect(firedIds(index, '200', T0, 'ETH-USDT')).toEqual([eth.id]);
    expect(index.has(btc.id)).toBe(true);
  });

  it('forgets a removed alert, and re-adding one replaces it', () => {
    const a = above('100');
    const index = indexOf(a);
    expect(index.remove(a.id)).toBe(true);
    expect(index.remove(a.id)).toBe(false);
    expect(firedIds(index, '200')).toEqual([]);
    index.add(a, T0);
    index.add({ ...a, threshold: toUnits('300') }, T0);
    expect(index.size).toBe(1);
    expect(firedIds(index, '200', T0 + 1)).toEqual([]);
    expect(firedIds(index, '300', T0 + 2)).toEqual([a.id]);
  });

  it('agrees with the one-alert rule on random alerts and prices', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const index = new AlertIndex();
    const live = new Map<string, IndexedAlert>();
    for (let i = 0; i < 2000; i++) {
      const threshold = (90 + random() * 20).toFixed(random() < 0.5 ? 2 : 0);
      const a = random() < 0.5 ? above(threshold) : below(threshold);
      index.add(a, T0);
      live.set(a.id, a);
    }
    for (let t = 1; t <= 200; t++) {
      const price = (90 + random() * 20).toFixed(1);
      const expected = [...live.values()]
        .filter((a) => firesAt({ kind: a.kind, threshold: (Number(a.threshold! / 10n ** 16n) / 100).toString(), status: 'active' }, price))
        .map((a) => a.id)
        .sort();
      const fired = firedIds(index, price, T0 + t).sort();
      expect(fired).toEqual(expected);
      for (const id of fired) live.delete(id);
    }
  });
});

describe('the alert index: repeat, cool-down and expiry', () => {
  it('holds a repeating alert out until its cool-down ends, then fires it at the first tick where the condition holds', () => {
    const a = above('100');
    const index = indexOf(a);
    const [firing] = index.tick('BTC-USDT', '105', T0);
    expect(firing.alert.id).toBe(a.id);
    // The caller puts it back, held for 60 s.
    index.hold(firing.alert, T0 + 60_000, T0);
    expect(index.heldCount).toBe(1);
    expect(firedIds(index, '110', T0 + 59_999)).toEqual([]);
    // Condition still holding after the cool-down: it fires again (level, not crossing).
    expect(firedIds(index, '106', T0 + 60_000)).toEqual([a.id]);
    expect(index.heldCount).toBe(0);
  });

  it('adds an alert whose re-arm time lies ahead as held', () => {
    const a = below('100', { rearmAt: T0 + 1000 });
    const index = indexOf(a);
    expect(index.heldCount).toBe(1);
    expect(firedIds(index, '50', T0 + 999)).toEqual([]);
    expect(firedIds(index, '50', T0 + 1000)).toEqual([a.id]);
  });

  it('never fires an expired alert, and does not take one already expired', () => {
    const a = above('100', { expiresAt: T0 + 1000 });
    const held = above('100', { expiresAt: T0 + 1000, rearmAt: T0 + 500 });
    const index = indexOf(a, held);
    expect(index.size).toBe(2);
    expect(firedIds(index, '200', T0 + 1000)).toEqual([]);
    expect(index.size).toBe(0);
    expect(index.heldCount).toBe(0);
    expect(index.add(above('1', { expiresAt: T0 }), T0)).toBe(false);
  });

  it('expire() drops what is due without a tick', () => {
    const a = above('100', { expiresAt: T0 + 10 });
    const b = above('100', { expiresAt: T0 + 20 });
    const index = indexOf(a, b);
    expect(index.expire(T0 + 10).map((x) => x.id)).toEqual([a.id]);
    expect(index.size).toBe(1);
  });
});

describe('the alert index: CHANGE_PERCENT', () => {
  it('fires a rise when the change over its window reaches the percent, exactly, with the reference price', () => {
    const rise = change('5', '1h');
    const fall = change('-5', '1h');
    const index = indexOf(rise, fall);
    expect(firedIds(index, '100', T0)).toEqual([]);
    expect(firedIds(index, '104.999999999999999999', T0 + 1000)).toEqual([]);
    const fired = index.tick('BTC-USDT', '105', T0 + 2000);
    expect(fired).toEqual([{ alert: rise, price: '105', referencePrice: '100', at: T0 + 2000 }]);
    expect(firedIds(index, '95.000000000000000001', T0 + 3000)).toEqual([]);
    expect(firedIds(index, '95', T0 + 4000)).toEqual([fall.id]);
  });

  it('fires the prefix of percents the change reached, in both directions', () => {
    const rises = ['1', '3', '2', '10'].map((p) => change(p, '5m'));
    const falls = ['-1', '-4', '-2'].map((p) => change(p, '5m'));
    const index = indexOf(...rises, ...falls);
    index.tick('BTC-USDT', '200', T0);
    expect(firedIds(index, '206', T0 + 100)).toEqual([rises[0].id, rises[2].id, rises[1].id]);
    expect(firedIds(index, '195', T0 + 200)).toEqual([falls[0].id, falls[2].id]);
  });

  it('measures each window from the price in force at its start', () => {
    const short = change('10', '5m');
    const long = change('10', '1h');
    const index = indexOf(short, long);
    index.tick('BTC-USDT', '100', T0);
    index.tick('BTC-USDT', '108', T0 + 10 * 60_000);
    // 20 minutes in: the 5-minute window starts at 108 (+1.9 %), the hour at 100 (+10 %).
    const fired = index.tick('BTC-USDT', '110', T0 + 20 * 60_000);
    expect(fired.map((f) => [f.alert.id, f.referencePrice])).toEqual([[long.id, '100']]);
    // Two hours later the hour window starts at 110: a rise to 115 is under 5 %.
    expect(firedIds(index, '115', T0 + 140 * 60_000)).toEqual([]);
    expect(firedIds(index, '121', T0 + 141 * 60_000)).toEqual([short.id]);
  });

  it('keeps a history of about 300 samples per window however fast the ticks', () => {
    const history = new WindowHistory(WINDOW_MS['5m']);
    for (let t = 0; t <= 10 * 60_000; t += 10) {
      history.reference(T0 + t);
      history.record(T0 + t, 100n);
    }
    expect(history.samples).toBeLessThanOrEqual(302);
    expect(history.samples).toBeGreaterThanOrEqual(299);
  });
});

describe('the alert index at 100,000 alerts', () => {
  it('fires exactly the crossed alerts among 100,000 over 50 markets', () => {
    const index = new AlertIndex();
    const markets = Array.from({ length: 50 }, (_, i) => `M${i}-USDT`);
    const all: IndexedAlert[] = [];
    for (let i = 0; i < 100_000; i++) {
      const market = markets[Math.floor(i / 6) % 50];
      // Thresholds 1000.01 .. 1999.99 above, 0.01 .. 999.99 below: never crossed by 1000.
      const offset = (((i * 7919) % 99_999) + 1) / 100;
      const a =
        i % 3 === 0
          ? change(String(1 + (i % 20)), '1h', { market })
          : i % 2
            ? above((1000 + offset).toFixed(2), { market })
            : below((1000 - offset).toFixed(2), { market });
      index.add(a, T0);
      all.push(a);
    }
    expect(index.size).toBe(100_000);
    for (const market of markets) expect(firedIds(index, '1000', T0, market)).toEqual([]);
    // 1010 on M0 (+1 %) crosses its ABOVE thresholds up to 1010 and its 1 % rises, nothing else.
    const expected = all
      .filter((a) => a.market === 'M0-USDT')
      .filter((a) => (a.kind === 'ABOVE' && a.threshold! <= toUnits('1010')) || (a.kind === 'CHANGE_PERCENT' && a.percent! <= toUnits('1')))
      .map((a) => a.id)
      .sort();
    expect(expected.length).toBeGreaterThan(10);
    expect(firedIds(index, '1010', T0 + 1, 'M0-USDT').sort()).toEqual(expected);
    expect(index.size).toBe(100_000 - expected.length);
  });
});

describe('indexedAlert', () => {
  it('reads an alert as the contracts carry it', () => {
    expect(
      indexedAlert({
        id: 'x',
        userId: 'u',
        market: 'BTC-USDT',
        kind: 'CHANGE_PERCENT',
        threshold: null,
        percent: '-2.5',
        window: '4h',
        repeat: true,
        cooldownSeconds: 60,
        expiresAt: '2026-12-08T00:00:00.000Z',
        status: 'active',
        createdAt: '2026-12-07T00:00:00.000Z',
        triggeredAt: null,
        triggeredPrice: null,
        timesTriggered: 0,
        rearmsAt: '2026-12-07T01:00:00.000Z',
      }),
    ).toEqual({
      id: 'x',
      userId: 'u',
      market: 'BTC-USDT',
      kind: 'CHANGE_PERCENT',
      threshold: null,
      percent: toUnits('-2.5'),
      window: '4h',
      expiresAt: Date.parse('2026-12-08T00:00:00.000Z'),
      rearmAt: Date.parse('2026-12-07T01:00:00.000Z'),
    });
  });
});
