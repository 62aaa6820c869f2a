import { buildStrategy, grid, type Fill, type Intent, type PlaceLimit } from '../../src/domain/strategies';
import { MARKET, MINUTE, balances, candle, input } from './fixtures';

// Levels 90, 95, 100, 105, 110 (ticks ×100); 0.01 BTC per level = 100 lots = 1,000,000 base atoms.
const PARAMS = { lower: '90', upper: '110', levels: 5, quantityPerLevel: '0.01' };
const LOT_ATOMS = 10_000;

const limits = (intents: Intent[]) =>
  intents.filter((i): i is PlaceLimit => i.kind === 'place' && i.orderType === 'limit').map((i) => `${i.side} ${i.price} x${i.quantity}`);

function fillOf(order: PlaceLimit, quantity = order.quantity): Fill {
  return { clientOrderId: order.clientOrderId, side: order.side, price: order.price, quantity, fee: 0, ts: 0 };
}

describe('grid strategy', () => {
  it('places buys below and sells above the first close, on the levels, within the bounds', () => {
    const strategy = buildStrategy(grid, PARAMS, MARKET);
    const intents = strategy.step(input(candle(0, 10_100), { balances: balances(10 * 100 * LOT_ATOMS, 10 ** 12) }));
    expect(limits(intents)).toEqual(['buy 9000 x100', 'buy 9500 x100', 'buy 10000 x100', 'sell 10500 x100', 'sell 11000 x100']);
    expect(new Set(intents.map((i) => i.clientOrderId)).size).toBe(intents.length);
  });

  it('places sells only as far as the base balance covers, and no order at the level of the price', () => {
    const strategy = buildStrategy(grid, PARAMS, MARKET);
    const intents = strategy.step(input(candle(0, 10_000), { balances: balances(100 * LOT_ATOMS, 10 ** 12) }));
    expect(limits(intents)).toEqual(['buy 9000 x100', 'buy 9500 x100', 'sell 10500 x100']);
  });

  it('refills the opposite side one level away on each fill, along a price path down and back up', () => {
    const strategy = buildStrategy(grid, PARAMS, MARKET);
    const opening = strategy.step(input(candle(0, 10_100), { balances: balances(0, 10 ** 12) })) as PlaceLimit[];
    const buyAt100 = opening.find((o) => o.price === 10_000)!;
    const buyAt95 = opening.find((o) => o.price === 9_500)!;

    // The price dips to 94: both upper buys fill; each is offered one level up.
    const dip = strategy.step(
      input(candle(MINUTE, 9_400, 100), { balances: balances(200 * LOT_ATOMS, 10 ** 12), fills: [fillOf(buyAt100), fillOf(buyAt95)] }),
    );
    expect(limits(dip)).toEqual(['sell 10500 x100', 'sell 10000 x100']);

    // It climbs back to 101: the 100 offer fills and is bid again one level down.
    const sellAt100 = (dip as PlaceLimit[])[1];
    const rally = strategy.step(
      input(candle(2 * MINUTE, 10_100, 100), { balances: balances(100 * LOT_ATOMS, 10 ** 12), fills: [fillOf(sellAt100)] }),
    );
    expect(limits(rally)).toEqual(['buy 9500 x100']);
    // Ids stay unique across steps (a live runner uses them as idempotency keys).
    const ids = [...opening, ...dip, ...rally].map((i) => i.clientOrderId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refills a partial fill with the filled quantity, and never beyond the bounds', () => {
    const strategy = buildStrategy(grid, PARAMS, MARKET);
    const opening = strategy.step(input(candle(0, 9_200), { balances: balances(1_000 * LOT_ATOMS, 10 ** 12) })) as PlaceLimit[];
    const bottomBuy = opening.find((o) => o.price === 9_000)!;
    const topSell = opening.find((o) => o.price === 11_000)!;
    const partial = strategy.step(
      input(candle(MINUTE, 9_000), { balances: balances(1_000 * LOT_ATOMS, 10 ** 12), fills: [fillOf(bottomBuy, 30)] }),
    );
    expect(limits(partial)).toEqual(['sell 9500 x30']);
    // The top level sold: bid one level down; a sell at the bottom level would have nowhere to go.
    const top = strategy.step(
      input(candle(2 * MINUTE, 11_000), { balances: balances(1_000 * LOT_ATOMS, 10 ** 12), fills: [fillOf(topSell)] }),
    );
    expect(limits(top)).toEqual(['buy 10500 x100']);
    const bottomSell: Fill = { clientOrderId: 'grid:s:0:1:0', side: 'sell', price: 9_000, quantity: 10, fee: 0, ts: 0 };
    expect(strategy.step(input(candle(3 * MINUTE, 9_000), { fills: [bottomSell] }))).toEqual([]);
  });

  it('offers no more than the base it holds after a buy', () => {
    const strategy = buildStrategy(grid, PARAMS, MARKET);
    const opening = strategy.step(input(candle(0, 10_100), { balances: balances(0, 10 ** 12) })) as PlaceLimit[];
    const buyAt100 = opening.find((o) => o.price === 10_000)!;
    const afterFee = 100 * LOT_ATOMS - 1_000; // 99.9 lots held (some base went elsewhere)
    const refill = strategy.step(
      input(candle(MINUTE, 9_900, 100), { balances: balances(afterFee, 10 ** 12), fills: [{ ...fillOf(buyAt100), fee: 1_000 }] }),
    );
    expect(limits(refill)).toEqual(['sell 10500 x99']);
  });
});
