import { buildStrategy, dca, type Intent } from '../../src/domain/strategies';
import { MARKET, MINUTE, balances, candle, input } from './fixtures';

const describeIntent = (i: Intent) =>
  i.kind === 'cancel'
    ? `cancel ${i.clientOrderId}`
    : i.orderType === 'market'
      ? `market ${i.side} ${i.quoteAmount ?? ''}`
      : `limit ${i.side} ${i.price} x${i.quantity}`;

/** Runs the strategy over one candle a minute at the given closes; returns the intents per minute. */
function run(params: unknown, closes: number[], quote = 10 ** 12) {
  const strategy = buildStrategy(dca, params, MARKET);
  return closes.map((close, minute) =>
    strategy.step(input(candle(minute * MINUTE, close), { balances: balances(0, quote) })).map(describeIntent),
  );
}

describe('DCA strategy', () => {
  it('buys the amount in quote at the first candle and then every interval', () => {
    const steps = run({ amount: '50', intervalMinutes: 3 }, [10_000, 10_100, 9_900, 9_800, 9_700, 9_600, 9_500]);
    expect(steps).toEqual([['market buy 50000000'], [], [], ['market buy 50000000'], [], [], ['market buy 50000000']]);
  });

  it('keeps the interval grid when candles are missing, and stops at maxBuys', () => {
    const strategy = buildStrategy(dca, { amount: '1', intervalMinutes: 5, maxBuys: 2 }, MARKET);
    const at = (minute: number) => strategy.step(input(candle(minute * MINUTE, 10_000))).length;
    expect([at(0), at(4), at(7), at(9), at(10), at(20)]).toEqual([1, 0, 1, 0, 0, 0]);
  });

  it('skips a buy above maxPrice or without the quote to pay, and buys at the next chance', () => {
    const steps = run({ amount: '50', intervalMinutes: 1, maxPrice: '100' }, [10_100, 10_000, 9_000]);
    expect(steps).toEqual([[], ['market buy 50000000'], ['market buy 50000000']]);
    expect(run({ amount: '50', intervalMinutes: 1 }, [10_000], 49_999_999)).toEqual([[]]);
  });

  it('lays safety buys below each buy and replaces the ladder on the next buy', () => {
    const strategy = buildStrategy(
      dca,
      { amount: '100', intervalMinutes: 60, safetyOrders: { count: 2, stepBps: 500, amount: '95' } },
      MARKET,
    );
    const first = strategy.step(input(candle(0, 10_000)));
    // 5% and 10% below 100.00; 95 USDT buys 1 BTC (10,000 lots) at 95 and 1.0555 at 90 (floored to lots).
    expect(first.map(describeIntent)).toEqual(['market buy 100000000', 'limit buy 9500 x10000', 'limit buy 9000 x10555']);
    const openOrders = [{ clientOrderId: first[2].clientOrderId, side: 'buy' as const, price: 9_000, remaining: 10_555 }];
    const next = strategy.step(input(candle(60 * MINUTE, 9_000), { openOrders }));
    expect(next.map(describeIntent)).toEqual([
      `cancel ${first[2].clientOrderId}`,
      'market buy 100000000',
      'limit buy 8550 x11111',
      'limit buy 8100 x11728',
    ]);
  });
});
