import { randomUUID } from 'node:crypto';
import { collect, credit, eventually, gql, placeOrder, signUp, wsClient } from '../harness/client';
import { rootAdmin } from '../harness/roles';

// Asset precision through the gateway: Asset.precision is what the exchange accepts and shows;
// amounts with more decimals are refused naming their field and change nothing; balances are
// shown cut to it while the engine keeps 8 decimals. On a market of this test's own (BTC-USD:
// USD has 2 decimals, a BTC-USD notional up to 7), so no other test's orders take part.
const MARKET = 'BTC-USD';
const BALANCES = '{ myBalances { asset available locked } }';
const CREDIT =
  'mutation ($asset: String!, $amount: Decimal!, $key: String!) { creditDemoFunds(asset: $asset, amount: $amount, idempotencyKey: $key) { asset available } }';
const PLACE = 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }';
const ADD = 'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }';
const balanceOf = async (token: string, asset: string) =>
  ((await gql(BALANCES, {}, { token })).data.myBalances as any[]).find((b) => b.asset === asset) ?? null;

describe('asset precision', () => {
  beforeAll(async () => {
    const admin = await rootAdmin();
    const listed = await gql(
      ADD,
      {
        input: {
          base: 'BTC',
          quote: 'USD',
          category: 'crypto',
          tickSize: '0.01',
          lotSize: '0.00001',
          minNotional: '1',
          referencePrice: '65000',
        },
      },
      { token: admin.token },
    );
    expect(listed.errors ?? []).toEqual([]);
    await eventually(async () => {
      const answer = await gql(`{ orderBook(market: "${MARKET}", depth: 1) { market } }`);
      if (answer.errors) throw new Error(JSON.stringify(answer.errors));
    });
  });

  it("gives each asset its precision: chain decimals where they fit, at most the engine's 8", async () => {
    const assets = (await gql('{ assets(first: 20) { edges { node { symbol decimals precision } } } }')).data.assets.edges.map(
      (e: any) => e.node,
    );
    const bySymbol = Object.fromEntries(assets.map((a: any) => [a.symbol, [a.decimals, a.precision]]));
    expect(bySymbol).toMatchObject({
      BTC: [8, 8],
      ETH: [18, 8],
      SOL: [9, 8],
      USDT: [6, 6],
      USDC: [6, 6],
      USD: [2, 2],
      EUR: [2, 2],
      XAU: [2, 3],
    });
  });

  it('refuses amounts with more decimals than the asset takes, naming the field, and changes nothing', async () => {
    const user = await signUp();
    const tooFine = await gql(CREDIT, { asset: 'USDT', amount: '10.1234567', key: randomUUID() }, { token: user.token });
    expect(tooFine.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'amount' });
    const cents = await gql(CREDIT, { asset: 'USD', amount: '10.001', key: randomUUID() }, { token: user.token });
    expect(cents.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'amount' });
    expect((await gql(BALANCES, {}, { token: user.token })).data.myBalances).toEqual([]);

    await credit(user.token, 'USDT', '100.123456');
    expect(await balanceOf(user.token, 'USDT')).toEqual({ asset: 'USDT', available: '100.123456', locked: '0' });
    const quote = await gql(
      PLACE,
      { input: { market: 'BTC-USDT', side: 'buy', type: 'market', quoteAmount: '10.1234567', clientOrderId: randomUUID() } },
      { token: user.token },
    );
    expect(quote.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quoteAmount' });
    expect(await balanceOf(user.token, 'USDT')).toEqual({ asset: 'USDT', available: '100.123456', locked: '0' });
    expect((await gql('{ myOrders { edges { node { id } } } }', {}, { token: user.token })).data.myOrders.edges).toEqual([]);
  });

  it("refuses a market whose lot is finer than its base asset's precision", async () => {
    const admin = await rootAdmin();
    const refused = await gql(
      ADD,
      {
        input: {
          base: 'XAU',
          quote: 'EUR',
          category: 'commodities',
          tickSize: '0.01',
          lotSize: '0.0001',
          minNotional: '10',
          referencePrice: '2400',
        },
      },
      { token: admin.token },
    );
    expect(refused.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lotSize' });
    expect((await gql('{ market(symbol: "XAU-EUR") { symbol } }')).data.market).toBeNull();
  });

  it("shows balances cut to the asset's precision (never more than is held), in myBalances and myBalanceUpdates", async () => {
    const maker = await signUp();
    const taker = await signUp();
    await credit(maker.token, 'BTC', '1');
    await credit(taker.token, 'USD', '100');
    const client = wsClient(taker.token);
    const updates = collect(client, 'subscription { myBalanceUpdates(initial: false) { asset available locked } }');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // 0.001 BTC at 65000.01 is 65.00001 USD; the taker's fee (20 bps) 0.13000002, the maker's (10 bps) 0.06500001.
    await placeOrder(maker.token, {
      market: MARKET,
      side: 'sell',
      type: 'limit',
      price: '65000.01',
      quantity: '0.001',
      clientOrderId: randomUUID(),
    });
    await placeOrder(taker.token, {
      market: MARKET,
      side: 'buy',
      type: 'limit',
      price: '65000.01',
      quantity: '0.001',
      timeInForce: 'IOC',
      clientOrderId: randomUUID(),
    });
    // Held: 100 − 65.00001 − 0.13000002 = 34.86998998 USD; shown: 34.86.
    expect(await balanceOf(taker.token, 'USD')).toEqual({ asset: 'USD', available: '34.86', locked: '0' });
    expect(await balanceOf(taker.token, 'BTC')).toEqual({ asset: 'BTC', available: '0.001', locked: '0' });
    // Held: 65.00001 − 0.06500001 = 64.93500999 USD; shown: 64.93.
    expect(await balanceOf(maker.token, 'USD')).toEqual({ asset: 'USD', available: '64.93', locked: '0' });
    await eventually(async () => {
      const usd = updates.results.map((r) => r.data.myBalanceUpdates).filter((b: any) => b.asset === 'USD');
      expect(usd[usd.length - 1]).toEqual({ asset: 'USD', available: '34.86', locked: '0' });
    });
    for (const result of updates.results) {
      const { asset, available } = result.data.myBalanceUpdates;
      if (asset === 'USD') expect(available.split('.')[1]?.length ?? 0).toBeLessThanOrEqual(2);
    }
    updates.unsubscribe();
    await client.dispose();
    // What is held is still there to spend: the whole shown balance can be used.
    const spend = await gql(
      PLACE,
      { input: { market: MARKET, side: 'buy', type: 'limit', price: '34860', quantity: '0.001', clientOrderId: randomUUID() } },
      { token: taker.token },
    );
    expect(spend.errors[0].extensions.code).toBe('INSUFFICIENT_FUNDS'); // 34.86 + 0.06972 fee is more than 34.86998998
    const fits = await gql(
      PLACE,
      { input: { market: MARKET, side: 'buy', type: 'limit', price: '34790', quantity: '0.001', clientOrderId: randomUUID() } },
      { token: taker.token },
    );
    expect(fits.errors).toBeUndefined();
    expect(await balanceOf(taker.token, 'USD')).toEqual({ asset: 'USD', available: '0.01', locked: '34.85' });
  });
});
