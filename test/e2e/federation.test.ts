import { randomUUID } from 'node:crypto';
import { credit, eventually, gql, logLines, placeOrder, signUp, sql } from '../harness/client';
import { rootAdmin } from '../harness/roles';

const CROSS_QUERY = `{
  me {
    id email
    orders(first: 10) { edges { node { side price status market { symbol baseAsset { name } quoteAsset { symbol } orderBook(depth: 5) { bids { price quantity orders } asks { price quantity } } } } } }
    deposits(first: 10) { edges { node { amount status asset { symbol name decimals } } } }
    portfolio { holdings { quantity asset { symbol } } }
  }
}`;

describe('one query across subgraphs', () => {
  it('joins accounts, matching, funding, analytics and markets, with one batched _entities fetch per type', async () => {
    // Gold on XAU-USDC, listed here without a session: XAU-USD trades on weekdays only, and this
    // test must pass at any time of the week.
    const admin = await rootAdmin();
    const listed = await gql(
      'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }',
      { input: { base: 'XAU', quote: 'USDC', category: 'commodities', tickSize: '0.01', lotSize: '0.001', minNotional: '10', referencePrice: '2400' } },
      { token: admin.token },
    );
    expect(listed.errors ?? []).toEqual([]);
    await eventually(async () => {
      const answer = await gql('{ orderBook(market: "XAU-USDC", depth: 1) { market } }');
      if (answer.errors) throw new Error(JSON.stringify(answer.errors));
    });
    const user = await signUp();
    await credit(user.token, 'USDT', '1000');
    await credit(user.token, 'SOL', '5');
    await credit(user.token, 'USDC', '1000');
    await placeOrder(user.token, { market: 'SOL-USDT', side: 'buy', type: 'limit', price: '140.5', quantity: '3', clientOrderId: 'c1' });
    await placeOrder(user.token, { market: 'SOL-USDT', side: 'sell', type: 'limit', price: '160', quantity: '1.5', clientOrderId: 'c2' });
    await placeOrder(user.token, { market: 'XAU-USDC', side: 'buy', type: 'limit', price: '2390.1', quantity: '0.25', clientOrderId: 'c3' });
    await sql(
      `insert into funding.deposits (id, user_id, asset, network, amount, status, confirmations, tx_hash) values
        (gen_random_uuid(), $1, 'USDT', 'ethereum', 1500.25, 'credited', 12, $2),
        (gen_random_uuid(), $1, 'SOL', 'solana', 10, 'confirming', 1, $3)`,
      [user.id, `0x${randomUUID()}`, `0x${randomUUID()}`],
    );
    await sql(`insert into analytics.portfolio_holdings (user_id, asset, quantity) values ($1, 'SOL', 10), ($1, 'USDT', 1500.25)`, [
      user.id,
    ]);

    const reqId = `e2e-${randomUUID()}`;
    const result = await gql(CROSS_QUERY, {}, { token: user.token, reqId });
    expect(result.errors).toBeUndefined();
    const me = result.data.me;
    expect(me.email).toBe(user.email);

    const orders = me.orders.edges.map((e: any) => e.node);
    expect(orders.map((o: any) => [o.market.symbol, o.side, o.price, o.status])).toEqual([
      ['XAU-USDC', 'buy', '2390.1', 'open'],
      ['SOL-USDT', 'sell', '160', 'open'],
      ['SOL-USDT', 'buy', '140.5', 'open'],
    ]);
    expect(orders[0].market.baseAsset.name).toBe('Gold (troy ounce)');
    expect(orders[1].market.baseAsset.name).toBe('Solana');
    expect(orders[1].market.quoteAsset.symbol).toBe('USDT');
    // The book comes from the engine: both resting orders of this user are in it.
    expect(orders[1].market.orderBook.bids).toEqual(expect.arrayContaining([{ price: '140.5', quantity: '3', orders: 1 }]));
    expect(orders[1].market.orderBook.asks).toEqual(expect.arrayContaining([{ price: '160', quantity: '1.5' }]));

    const deposits = me.deposits.edges.map((e: any) => e.node);
    expect(deposits).toEqual(
      expect.arrayContaining([
        { amount: '1500.25', status: 'credited', asset: { symbol: 'USDT', name: 'Tether USD', decimals: 6 } },
        { amount: '10', status: 'confirming', asset: { symbol: 'SOL', name: 'Solana', decimals: 9 } },
      ]),
    );
    expect(me.portfolio.holdings).toEqual([
      { quantity: '10', asset: { symbol: 'SOL' } },
      { quantity: '1500.25', asset: { symbol: 'USDT' } },
    ]);

    // Each subgraph saw the request id the gateway forwarded, and one _entities fetch per type.
    const entitiesFetches = (service: string) =>
      logLines(service)
        .filter((line) => line.reqId === reqId && line.op === '_entities')
        .map((line) => line.typenames);
    await eventually(async () => {
      expect(logLines('gateway').some((line) => line.reqId === reqId)).toBe(true);
      expect(logLines('accounts').some((line) => line.reqId === reqId)).toBe(true);
      // matching, funding, analytics: the user (one representation) in one fetch each.
      for (const service of ['matching', 'funding', 'analytics']) expect(entitiesFetches(service)).toEqual([{ User: 1 }]);
      // markets: the three orders' markets in ONE fetch, the two deposits' assets in ONE fetch.
      const marketsFetches = entitiesFetches('markets');
      expect(marketsFetches).toEqual(expect.arrayContaining([{ Market: 3 }, { Asset: 2 }]));
      expect(marketsFetches).toHaveLength(2);
    });
    // And inside markets, each DataLoader hit the database once for the whole batch.
    const batches = logLines('markets').filter((line) => line.reqId === reqId && line.loader === 'marketBySymbol');
    expect(batches.map((b) => b.keys)).toEqual([2]);
    const orderBatches = logLines('matching').filter((line) => line.reqId === reqId && line.loader === 'recentOrdersByUser');
    expect(orderBatches.map((b) => b.keys)).toEqual([1]);
  });

  it("refuses another user's private fields and changes nothing", async () => {
    const alice = await signUp();
    const mallory = await signUp();
    const result = await gql(`query ($id: ID!) { order(id: $id) { id } }`, { id: '987654321' }, { token: mallory.token });
    expect(result.errors).toBeUndefined();
    expect(result.data.order).toBeNull();
    await credit(alice.token, 'USDT', '100');
    const id = await placeOrder(alice.token, {
      market: 'BTC-USDT',
      side: 'buy',
      type: 'limit',
      price: '100',
      quantity: '0.1',
      clientOrderId: 'x',
    });
    const stolen = await gql(`query ($id: ID!) { order(id: $id) { id price } }`, { id }, { token: mallory.token });
    expect(stolen.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('rejects a bad token over HTTP with UNAUTHENTICATED and serves anonymous public data', async () => {
    const bad = await gql('{ markets { edges { node { symbol } } } }', {}, { token: 'not-a-jwt' });
    expect(bad.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const anonymous = await gql('{ markets(category: forex) { edges { node { symbol category } } } }');
    expect(anonymous.data.markets.edges).toEqual([{ node: { symbol: 'EUR-USD', category: 'forex' } }]);
    const me = await gql('{ me { id } }');
    expect(me.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
