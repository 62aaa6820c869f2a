import { randomUUID } from 'node:crypto';
import { eventually, gql, logLines, signUp, sql } from '../harness/client';

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
    const user = await signUp();
    await sql(
      `insert into matching.orders (id, user_id, market, side, type, price, quantity, filled_quantity, status, client_order_id, created_at) values
        (gen_random_uuid(), $1, 'SOL-USDT', 'buy', 'limit', 140.5, 3, 0, 'open', 'c1', now() - interval '3 seconds'),
        (gen_random_uuid(), $1, 'SOL-USDT', 'sell', 'limit', 160, 1.5, 0.5, 'partially_filled', 'c2', now() - interval '2 seconds'),
        (gen_random_uuid(), $1, 'XAU-USD', 'buy', 'limit', 2390.1, 0.25, 0, 'open', 'c3', now() - interval '1 second')`,
      [user.id],
    );
    await sql(
      `insert into funding.deposits (id, user_id, asset, network, amount, status, confirmations, tx_hash) values
        (gen_random_uuid(), $1, 'USDT', 'ethereum', 1500.25, 'credited', 12, $2),
        (gen_random_uuid(), $1, 'SOL', 'solana', 10, 'pending', 1, $3)`,
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
      ['XAU-USD', 'buy', '2390.1', 'open'],
      ['SOL-USDT', 'sell', '160', 'partially_filled'],
      ['SOL-USDT', 'buy', '140.5', 'open'],
    ]);
    expect(orders[0].market.baseAsset.name).toBe('Gold (troy ounce)');
    expect(orders[1].market.baseAsset.name).toBe('Solana');
    expect(orders[1].market.quoteAsset.symbol).toBe('USDT');
    // The book aggregates the resting (unfilled) quantity.
    expect(orders[1].market.orderBook.bids).toEqual(expect.arrayContaining([{ price: '140.5', quantity: '3', orders: 1 }]));
    expect(orders[1].market.orderBook.asks).toEqual(expect.arrayContaining([{ price: '160', quantity: '1' }]));

    const deposits = me.deposits.edges.map((e: any) => e.node);
    expect(deposits).toEqual(
      expect.arrayContaining([
        { amount: '1500.25', status: 'credited', asset: { symbol: 'USDT', name: 'Tether USD', decimals: 6 } },
        { amount: '10', status: 'pending', asset: { symbol: 'SOL', name: 'Solana', decimals: 9 } },
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
    const bookBatches = logLines('matching').filter((line) => line.reqId === reqId && line.loader === 'bookLevelsByMarket');
    expect(bookBatches.map((b) => b.keys)).toEqual([2]);
  });

  it("refuses another user's private fields and changes nothing", async () => {
    const alice = await signUp();
    const mallory = await signUp();
    const result = await gql(`query ($id: ID!) { order(id: $id) { id } }`, { id: randomUUID() }, { token: mallory.token });
    expect(result.errors).toBeUndefined();
    expect(result.data.order).toBeNull();
    await sql(
      `insert into matching.orders (id, user_id, market, side, type, price, quantity, filled_quantity, status, client_order_id) values ($1, $2, 'BTC-USDT', 'buy', 'limit', 100, 1, 0, 'open', 'x')`,
      [randomUUID(), alice.id],
    );
    const [{ id }] = await sql(`select id from matching.orders where user_id = $1`, [alice.id]);
    const stolen = await gql(`query ($id: ID!) { order(id: $id) { id price } }`, { id }, { token: mallory.token });
    expect(stolen.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('rejects a bad token over HTTP with UNAUTHENTICATED and serves anonymous public data', async () => {
    const bad = await gql('{ markets { symbol } }', {}, { token: 'not-a-jwt' });
    expect(bad.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const anonymous = await gql('{ markets(category: forex) { symbol category } }');
    expect(anonymous.data.markets).toEqual([{ symbol: 'EUR-USD', category: 'forex' }]);
    const me = await gql('{ me { id } }');
    expect(me.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
