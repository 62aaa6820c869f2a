import { randomUUID } from 'node:crypto';
import { isOpenAt, nextOpenAfter } from '@tradegraph/shared';
import { credit, eventually, gql, signUp } from '../harness/client';
import { rootAdmin } from '../harness/roles';

// Trading hours through the gateway: a market outside its session refuses orders with
// MARKET_CLOSED before matching journals anything, and Market.isOpen / nextOpen say when it trades.
// Independent of the time of day: the test lists its own markets, one whose session is on now
// and one whose session starts two hours from now (both every day, computed from the clock).
const OPEN = 'SPX-USDT';
const CLOSED = 'SPX-USDC';
const MINUTE = 60_000;
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const PLACE = 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id status market { symbol } } }';
const MARKET = `query ($s: String!) { market(symbol: $s) { symbol isOpen nextOpen tradingHours { days open close } } }`;

const now = Date.now();
const everyDay = [0, 1, 2, 3, 4, 5, 6];
const openHours = { days: everyDay, open: hhmm(now - 60 * MINUTE), close: hhmm(now + 120 * MINUTE) };
const closedHours = { days: everyDay, open: hhmm(now + 120 * MINUTE), close: hhmm(now + 180 * MINUTE) };
/** The closed market's next opening: its `open` minute, two hours from the test's start. */
const closedOpensAt = new Date(Math.floor((now + 120 * MINUTE) / MINUTE) * MINUTE).toISOString();

async function list(quote: string, tradingHours: typeof openHours): Promise<void> {
  const admin = await rootAdmin();
  const listed = await gql(
    'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol tradingHours { days open close } } }',
    {
      input: {
        base: 'SPX',
        quote,
        category: 'indices',
        tickSize: '0.01',
        lotSize: '0.01',
        minNotional: '10',
        referencePrice: '5800',
        tradingHours,
      },
    },
    { token: admin.token },
  );
  expect(listed.errors ?? []).toEqual([]);
  expect(listed.data.addMarket.tradingHours).toEqual(tradingHours);
}

describe('trading hours', () => {
  beforeAll(async () => {
    await list('USDT', openHours);
    await list('USDC', closedHours);
    // Matching learns both markets (and their sessions) from the listing.
    await eventually(async () => {
      for (const symbol of [OPEN, CLOSED]) {
        const answer = await gql(`{ orderBook(market: "${symbol}", depth: 1) { market } }`);
        if (answer.errors) throw new Error(JSON.stringify(answer.errors));
      }
    });
  });

  it('shows isOpen and nextOpen: open now, closed now, around the clock, and the seeded index session', async () => {
    const open = (await gql(MARKET, { s: OPEN })).data.market;
    expect(open).toMatchObject({ isOpen: true, tradingHours: openHours });
    // While open, the next opening is tomorrow's.
    expect(Date.parse(open.nextOpen)).toBeGreaterThan(now + 20 * 60 * MINUTE);
    expect((await gql(MARKET, { s: CLOSED })).data.market).toMatchObject({
      isOpen: false,
      nextOpen: closedOpensAt,
      tradingHours: closedHours,
    });
    expect((await gql(MARKET, { s: 'BTC-USDT' })).data.market).toMatchObject({ isOpen: true, nextOpen: null, tradingHours: null });
    // SPX-USD's seeded session, 13:30–20:00 UTC on weekdays: whatever the time, the graph agrees with the rule.
    const spx = (await gql(MARKET, { s: 'SPX-USD' })).data.market;
    expect(spx.tradingHours).toEqual({ days: [1, 2, 3, 4, 5], open: '13:30', close: '20:00' });
    const at = Date.now();
    expect(spx.isOpen).toBe(isOpenAt(spx.tradingHours, at));
    expect(spx.nextOpen).toBe(new Date(nextOpenAfter(spx.tradingHours, at)!).toISOString());
  });

  it('refuses an order outside the session with MARKET_CLOSED and nextOpen, changing nothing; inside it the order rests', async () => {
    const trader = await signUp();
    await credit(trader.token, 'USDC', '10000');
    await credit(trader.token, 'USDT', '10000');
    const order = (market: string) => ({ market, side: 'buy', type: 'limit', price: '5700', quantity: '1', clientOrderId: randomUUID() });

    const refused = await gql(PLACE, { input: order(CLOSED) }, { token: trader.token });
    expect(refused.data).toBeNull();
    expect(refused.errors[0].extensions).toMatchObject({ code: 'MARKET_CLOSED', nextOpen: closedOpensAt });
    // A market order too (no price): the session is checked before anything else of the order.
    const market = await gql(
      PLACE,
      { input: { market: CLOSED, side: 'buy', type: 'market', quoteAmount: '100', clientOrderId: randomUUID() } },
      { token: trader.token },
    );
    expect(market.errors[0].extensions.code).toBe('MARKET_CLOSED');
    const after = await gql('{ myBalances { asset available locked } myOrders { edges { node { id } } } }', {}, { token: trader.token });
    expect(after.data.myBalances).toEqual(
      expect.arrayContaining([
        { asset: 'USDC', available: '10000', locked: '0' },
        { asset: 'USDT', available: '10000', locked: '0' },
      ]),
    );
    expect(after.data.myOrders.edges).toEqual([]);

    const placed = await gql(PLACE, { input: order(OPEN) }, { token: trader.token });
    expect(placed.errors).toBeUndefined();
    expect(placed.data.placeOrder).toMatchObject({ status: 'open', market: { symbol: OPEN } });
    const locked = await gql('{ myBalances { asset available locked } }', {}, { token: trader.token });
    expect(locked.data.myBalances.find((b: any) => b.asset === 'USDT').locked).not.toBe('0');
  });

  it('refuses a schedule that is not one, naming tradingHours', async () => {
    const admin = await rootAdmin();
    for (const tradingHours of [
      { days: [1, 1], open: '09:00', close: '17:00' },
      { days: [1], open: '09:00', close: '24:00' },
      { days: [], open: '09:00', close: '17:00' },
    ]) {
      const refused = await gql(
        'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }',
        {
          input: {
            base: 'SPX',
            quote: 'BTC',
            category: 'indices',
            tickSize: '0.01',
            lotSize: '0.01',
            minNotional: '10',
            referencePrice: '5800',
            tradingHours,
          },
        },
        { token: admin.token },
      );
      expect(refused.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'tradingHours' });
    }
    // SPX-BTC: a symbol no other test lists (typed-client.test.ts lists SPX-EUR).
    expect((await gql('{ market(symbol: "SPX-BTC") { symbol } }')).data.market).toBeNull();
  });
});
