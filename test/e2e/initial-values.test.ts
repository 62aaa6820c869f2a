import { randomUUID } from 'node:crypto';
import { collect, credit, eventually, gql, placeOrder, signUp, wsClient } from '../harness/client';
import { rootAdmin } from '../harness/roles';

// tickerUpdated and myBalanceUpdates start with the current value (opt out with `initial: false`),
// like priceUpdated: a screen is never blank until the next change — also for a client that joins
// an upstream subscription the gateway already runs.
const MARKET = 'ETH-USD';
const TICKER = `subscription ($initial: Boolean) { tickerUpdated(market: "${MARKET}", initial: $initial) { last trades } }`;
const BALANCES = 'subscription ($initial: Boolean) { myBalanceUpdates(initial: $initial) { asset available locked } }';

async function silentFor(client: ReturnType<typeof wsClient>, query: string, variables: Record<string, unknown>, ms: number) {
  const sub = collect(client, query, variables);
  await new Promise((resolve) => setTimeout(resolve, ms));
  sub.unsubscribe();
  return sub.results;
}

describe('initial values on subscribe', () => {
  // On a market of this file's own (listed here; asset-precision.test.ts checks XAU-EUR does not exist), so no other test file's trades move its ticker
  // between the query and the subscription.
  beforeAll(async () => {
    const admin = await rootAdmin();
    const listed = await gql(
      'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }',
      { input: { base: 'ETH', quote: 'USD', category: 'crypto', tickSize: '0.01', lotSize: '0.01', minNotional: '1', referencePrice: '2200' } },
      { token: admin.token },
    );
    expect(listed.errors ?? []).toEqual([]);
    // The listing reaches matching by an event: wait until it takes orders for the market.
    await eventually(async () => {
      const ticker = await gql(`{ market(symbol: "${MARKET}") { symbol } }`);
      if (!ticker.data?.market) throw new Error(JSON.stringify(ticker));
    });
  });

  it('tickerUpdated sends the current ticker first, to a first and to a joining client; initial: false waits for a change', async () => {
    const seller = await signUp();
    const buyer = await signUp();
    await credit(seller.token, 'ETH', '1');
    await credit(buyer.token, 'USD', '1000');
    // The listing reaches matching by an event: the first order may find the market not there yet.
    await eventually(() => placeOrder(seller.token, { market: MARKET, side: 'sell', type: 'limit', price: '2250.5', quantity: '0.1', timeInForce: 'GTC', clientOrderId: randomUUID() }));
    await placeOrder(buyer.token, { market: MARKET, side: 'buy', type: 'market', quantity: '0.1', clientOrderId: randomUUID() });
    const current = await eventually(async () => {
      const ticker = (await gql(`{ ticker(market: "${MARKET}") { last trades } }`)).data.ticker;
      if (ticker?.last !== '2250.5') throw new Error(`no ticker yet: ${JSON.stringify(ticker)}`);
      return ticker;
    });
    const first = wsClient();
    const joining = wsClient();
    try {
      const a = collect(first, TICKER, {});
      await a.waitFor(1, 5000);
      const b = collect(joining, TICKER, {});
      await b.waitFor(1, 5000);
      for (const sub of [a, b]) {
        expect(sub.results[0].errors).toBeUndefined();
        expect(sub.results[0].data.tickerUpdated.last).toBe(current.last);
      }
      a.unsubscribe();
      b.unsubscribe();
      expect(await silentFor(first, TICKER, { initial: false }, 800)).toEqual([]);
    } finally {
      await first.dispose();
      await joining.dispose();
    }
  });

  it('myBalanceUpdates sends each balance held first, to every subscription of the user; initial: false waits for a change', async () => {
    const user = await signUp();
    await credit(user.token, 'USDT', '125.5');
    await credit(user.token, 'BTC', '0.25');
    const first = wsClient(user.token);
    const second = wsClient(user.token);
    try {
      const a = collect(first, BALANCES, {});
      await a.waitFor(2, 5000);
      const b = collect(second, BALANCES, {});
      await b.waitFor(2, 5000);
      for (const sub of [a, b]) {
        const balances = sub.results.map((r) => r.data.myBalanceUpdates).sort((x, y) => x.asset.localeCompare(y.asset));
        expect(balances).toEqual([
          { asset: 'BTC', available: '0.25', locked: '0' },
          { asset: 'USDT', available: '125.5', locked: '0' },
        ]);
      }
      // A change after that arrives as before.
      await credit(user.token, 'USDT', '1');
      await a.waitFor(3, 5000);
      expect(a.results[2].data.myBalanceUpdates).toEqual({ asset: 'USDT', available: '126.5', locked: '0' });
      a.unsubscribe();
      b.unsubscribe();
      expect(await silentFor(first, BALANCES, { initial: false }, 800)).toEqual([]);
    } finally {
      await first.dispose();
      await second.dispose();
    }
  });
});
