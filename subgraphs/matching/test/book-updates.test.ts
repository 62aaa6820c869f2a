import { mergeBookUpdates } from '../src/domain/book-updates';

const level = (price: string, quantity: string, orders = 1) => ({ price, quantity, orders });

describe('mergeBookUpdates (orderBookUpdated with maxPerSecond)', () => {
  it('two deltas become one with the newer quantity of every price either touched', () => {
    const merged = mergeBookUpdates(
      { market: 'BTC-USDT', sequence: 5, snapshot: false, bids: [level('100', '1'), level('99', '2')], asks: [level('101', '1')] },
      { market: 'BTC-USDT', sequence: 6, snapshot: false, bids: [level('100', '0', 0), level('98', '3')], asks: [] },
    );
    expect(merged).toEqual({
      market: 'BTC-USDT',
      sequence: 6,
      snapshot: false,
      bids: [level('100', '0', 0), level('99', '2'), level('98', '3')],
      asks: [level('101', '1')],
    });
  });

  it('a delta after a snapshot is applied to it: gone levels leave, the order stays best first', () => {
    const merged = mergeBookUpdates(
      { market: 'BTC-USDT', sequence: 10, snapshot: true, bids: [level('100', '1'), level('99', '2')], asks: [level('101', '1'), level('102', '4')] },
      { market: 'BTC-USDT', sequence: 11, snapshot: false, bids: [level('100.5', '1'), level('99', '0', 0)], asks: [level('101', '0', 0), level('101.5', '2')] },
    );
    expect(merged).toEqual({
      market: 'BTC-USDT',
      sequence: 11,
      snapshot: true,
      bids: [level('100.5', '1'), level('100', '1')],
      asks: [level('101.5', '2'), level('102', '4')],
    });
  });

  it('a newer snapshot replaces whatever was waiting', () => {
    const snapshot = { market: 'BTC-USDT', sequence: 20, snapshot: true, bids: [level('90', '1')], asks: [] };
    expect(mergeBookUpdates({ market: 'BTC-USDT', sequence: 19, snapshot: false, bids: [level('100', '1')], asks: [] }, snapshot)).toBe(snapshot);
  });
});
