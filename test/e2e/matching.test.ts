import { randomUUID } from 'node:crypto';
import { collect, credit, eventually, gql, placeOrder, scrape, signUp, wsClient } from '../harness/client';
import { subgraphUrl } from '../harness/env';
import { rootAdmin } from '../harness/roles';

// The matching engine through the gateway: orders, balances, fills, the book and its live feed.
// Each test uses its own market side/prices or users so they do not disturb one another.
const BALANCES = '{ myBalances { asset available locked } }';
const balanceOf = async (token: string, asset: string) =>
  ((await gql(BALANCES, {}, { token })).data.myBalances as any[]).find((b) => b.asset === asset) ?? { asset, available: '0', locked: '0' };

describe('trading on the engine through the gateway', () => {
  it('matches a taker against a maker, settles balances and fees, and records fills for both', async () => {
    const maker = await signUp();
    const taker = await signUp();
    await credit(maker.token, 'ETH', '2');
    await credit(taker.token, 'USDT', '10000');
    await placeOrder(maker.token, {
      market: 'ETH-USDT',
      side: 'sell',
      type: 'limit',
      price: '3333.33',
      quantity: '1.5',
      clientOrderId: 'm1',
    });
    const takerOrder = await gql(
      'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id status filledQuantity } }',
      { input: { market: 'ETH-USDT', side: 'buy', type: 'market', quantity: '1', clientOrderId: 't1' } },
      { token: taker.token },
    );
    expect(takerOrder.data.placeOrder).toMatchObject({ status: 'filled', filledQuantity: '1' });

    // 1 ETH at 3333.33; taker pays 20 bps (6.66666 USDT), maker 10 bps (3.33333 USDT), both in quote.
    expect(await balanceOf(taker.token, 'ETH')).toEqual({ asset: 'ETH', available: '1', locked: '0' });
    expect(await balanceOf(taker.token, 'USDT')).toEqual({ asset: 'USDT', available: '6660.00334', locked: '0' });
    expect(await balanceOf(maker.token, 'USDT')).toEqual({ asset: 'USDT', available: '3329.99667', locked: '0' });
    expect(await balanceOf(maker.token, 'ETH')).toEqual({ asset: 'ETH', available: '0.5', locked: '0.5' });

    const fills = await gql(
      '{ myFills { edges { node { price quantity fee feeAsset liquidity side order { clientOrderId status } market { symbol baseAsset { name } } } } } }',
      {},
      { token: maker.token },
    );
    expect(fills.data.myFills.edges.map((e: any) => e.node)).toEqual([
      {
        price: '3333.33',
        quantity: '1',
        fee: '3.33333',
        feeAsset: 'USDT',
        liquidity: 'maker',
        side: 'sell',
        order: { clientOrderId: 'm1', status: 'partially_filled' },
        market: { symbol: 'ETH-USDT', baseAsset: { name: 'Ether' } },
      },
    ]);
  });

  it('is idempotent on clientOrderId, cancels and amends only your own orders', async () => {
    const user = await signUp();
    const other = await signUp();
    await credit(user.token, 'USDT', '1000');
    const input = { market: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', quantity: '0.1', clientOrderId: `idem-${randomUUID()}` };
    const [a, b] = await Promise.all([placeOrder(user.token, input), placeOrder(user.token, input)]);
    expect(a).toBe(b);
    expect(await placeOrder(user.token, input)).toBe(a);
    expect((await gql('{ myOrders { edges { node { id } } } }', {}, { token: user.token })).data.myOrders.edges).toHaveLength(1);

    const stolen = await gql('mutation ($id: ID!) { cancelOrder(id: $id) { id } }', { id: a }, { token: other.token });
    expect(stolen.errors?.[0].extensions?.code).toBe('UNKNOWN_ORDER');

    const amended = await gql(
      'mutation ($id: ID!) { amendOrder(id: $id, price: "1001", quantity: "0.05") { price quantity status } }',
      { id: a },
      { token: user.token },
    );
    expect(amended.data.amendOrder).toEqual({ price: '1001', quantity: '0.05', status: 'open' });
    const cancelled = await gql('mutation ($id: ID!) { cancelOrder(id: $id) { status } }', { id: a }, { token: user.token });
    expect(cancelled.data.cancelOrder.status).toBe('cancelled');
    expect(await balanceOf(user.token, 'USDT')).toEqual({ asset: 'USDT', available: '1000', locked: '0' });

    await placeOrder(user.token, { market: 'BTC-USDT', side: 'buy', type: 'limit', price: '900', quantity: '0.1', clientOrderId: 'all-1' });
    await placeOrder(user.token, { market: 'ETH-USDT', side: 'buy', type: 'limit', price: '90', quantity: '1', clientOrderId: 'all-2' });
    const some = await gql('mutation { cancelAllOrders(market: "BTC-USDT") }', {}, { token: user.token });
    expect(some.data.cancelAllOrders).toBe(1);
    const rest = await gql('mutation { cancelAllOrders }', {}, { token: user.token });
    expect(rest.data.cancelAllOrders).toBe(1);
    expect(await balanceOf(user.token, 'USDT')).toEqual({ asset: 'USDT', available: '1000', locked: '0' });
  });

  it('pages your orders newest first with cursors', async () => {
    const user = await signUp();
    await credit(user.token, 'USDT', '1000');
    for (const n of [1, 2, 3]) {
      await placeOrder(user.token, {
        market: 'SOL-USDT',
        side: 'buy',
        type: 'limit',
        price: `10${n}`,
        quantity: '1',
        clientOrderId: `page-${n}`,
      });
    }
    const PAGE =
      'query ($after: String) { myOrders(first: 2, after: $after) { edges { node { clientOrderId } } pageInfo { hasNextPage endCursor } } }';
    const first = (await gql(PAGE, {}, { token: user.token })).data.myOrders;
    expect(first.edges.map((e: any) => e.node.clientOrderId)).toEqual(['page-3', 'page-2']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await gql(PAGE, { after: first.pageInfo.endCursor }, { token: user.token })).data.myOrders;
    expect(second.edges.map((e: any) => e.node.clientOrderId)).toEqual(['page-1']);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const bad = await gql(PAGE, { after: 'not-a-cursor' }, { token: user.token });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses bad orders with the engine code and changes nothing', async () => {
    const user = await signUp();
    await credit(user.token, 'USDT', '500');
    const attempts: [Record<string, unknown>, string][] = [
      [{ price: '100.001', quantity: '0.1' }, 'PRICE_NOT_ON_TICK'],
      [{ price: '100', quantity: '0.000001' }, 'QTY_NOT_ON_LOT'],
      [{ price: '100', quantity: '10' }, 'INSUFFICIENT_FUNDS'],
      [{ price: '1', quantity: '0.001' }, 'BELOW_MIN_NOTIONAL'],
      [{ market: 'NOPE-USDT', price: '1', quantity: '1' }, 'UNKNOWN_MARKET'],
    ];
    for (const [changes, code] of attempts) {
      const result = await gql(
        'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
        { input: { market: 'BTC-USDT', side: 'buy', type: 'limit', clientOrderId: randomUUID(), ...changes } },
        { token: user.token },
      );
      expect(result.errors?.[0].extensions?.code).toBe(code);
    }
    expect(await balanceOf(user.token, 'USDT')).toEqual({ asset: 'USDT', available: '500', locked: '0' });
    expect((await gql('{ myOrders { edges { node { id } } } }', {}, { token: user.token })).data.myOrders.edges).toHaveLength(0);
  });

  it('streams the book as a snapshot then gap-free deltas, and trades and balances live', async () => {
    const maker = await signUp();
    const taker = await signUp();
    // EUR-USDT, listed here with EUR-USD's tick and lot but no session: EUR-USD trades Sunday
    // 22:00 to Friday 22:00 UTC only, and this test must pass at any time of the week. Labelled
    // crypto so that forex keeps listing EUR-USD alone (catalog.test.ts, federation.test.ts).
    const market = 'EUR-USDT';
    const admin = await rootAdmin();
    const listed = await gql(
      'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }',
      { input: { base: 'EUR', quote: 'USDT', category: 'crypto', tickSize: '0.00001', lotSize: '1', minNotional: '10', referencePrice: '1.08' } },
      { token: admin.token },
    );
    expect(listed.errors ?? []).toEqual([]);
    await eventually(async () => {
      const answer = await gql(`{ orderBook(market: "${market}", depth: 1) { market } }`);
      if (answer.errors) throw new Error(JSON.stringify(answer.errors));
    });
    await credit(maker.token, 'USDT', '100000');
    await credit(taker.token, 'EUR', '1000');
    const client = wsClient(taker.token);
    const book = collect(
      client,
      'subscription ($m: String!) { orderBookUpdated(market: $m, depth: 10) { sequence snapshot bids { price quantity orders } asks { price quantity } } }',
      { m: market },
    );
    const trades = collect(client, 'subscription ($m: String!) { tradesExecuted(market: $m) { price quantity takerSide } }', { m: market });
    const balances = collect(client, 'subscription { myBalanceUpdates { asset available locked } }');
    await book.waitFor(1);
    const snapshot = book.results[0].data.orderBookUpdated;
    expect(snapshot.snapshot).toBe(true);
    // Give the other two upstream subscriptions time to open before anything trades.
    await new Promise((resolve) => setTimeout(resolve, 500));

    await placeOrder(maker.token, { market, side: 'buy', type: 'limit', price: '1.07001', quantity: '100', clientOrderId: 'b1' });
    await placeOrder(maker.token, { market, side: 'buy', type: 'limit', price: '1.07001', quantity: '50', clientOrderId: 'b2' });
    await placeOrder(taker.token, { market, side: 'sell', type: 'limit', price: '1.07001', quantity: '120', clientOrderId: 's1' });
    await book.waitFor(4);
    const updates = book.results.slice(1).map((r) => r.data.orderBookUpdated);
    // Numbered without gaps from the snapshot on.
    updates.forEach((u, i) => expect(u.sequence).toBe(snapshot.sequence + i + 1));
    expect(updates.map((u) => u.bids.find((l: any) => l.price === '1.07001'))).toEqual([
      { price: '1.07001', quantity: '100', orders: 1 },
      { price: '1.07001', quantity: '150', orders: 2 },
      { price: '1.07001', quantity: '30', orders: 1 },
    ]);
    await trades.waitFor(2);
    expect(trades.results.map((r) => r.data.tradesExecuted)).toEqual([
      { price: '1.07001', quantity: '100', takerSide: 'sell' },
      { price: '1.07001', quantity: '20', takerSide: 'sell' },
    ]);
    await balances.waitFor(1);
    expect(balances.results.some((r) => r.data.myBalanceUpdates.asset === 'EUR' && r.data.myBalanceUpdates.available === '880')).toBe(true);
    for (const s of [book, trades, balances]) s.unsubscribe();
    await client.dispose();
  });

  it("reports its journal's group commits on /metrics: batches, their sizes and how long durability took", async () => {
    // Other suites trade on the same engine, so counts only grow: each is compared with itself.
    const journal = async () => {
      const sample = await scrape(subgraphUrl('matching'));
      return {
        batches: sample('matching_journal_write_seconds_count'),
        writeSeconds: sample('matching_journal_write_seconds_sum'),
        waited: sample('matching_journal_wait_seconds_count'),
        commands: sample('matching_journal_batch_commands_sum'),
      };
    };
    const before = await journal();
    const user = await signUp();
    await credit(user.token, 'USDT', '1000');
    // Answered only once durable, so its batch is counted by now.
    await placeOrder(user.token, {
      market: 'BTC-USDT',
      side: 'buy',
      type: 'limit',
      price: '1000',
      quantity: '0.1',
      clientOrderId: `metrics-${randomUUID()}`,
    });
    const after = await journal();
    expect(after.batches).toBeGreaterThan(before.batches);
    expect(after.waited - before.waited).toBe(after.batches - before.batches);
    expect(after.commands).toBeGreaterThan(before.commands);
    expect(after.writeSeconds).toBeGreaterThan(before.writeSeconds);
  });
});
