import { randomUUID } from 'node:crypto';
import { credit, eventually, gql, placeOrder, signUp, sql } from '../harness/client';
import { INTERNAL_HEADERS, subgraphUrl } from '../harness/env';
import { rootAdmin } from '../harness/roles';

// Public recent trades: trades(market, first, after), newest first with cursors. The test system
// keeps 3 trades per market in memory (MATCHING_RECENT_TRADES_KEPT), so these pages run from
// memory into the database. On a market of this test's own, so its trades are all there are.
// Not SOL-EUR: catalog.test.ts checks that its refused SOL-EUR listings left no such market.
const MARKET = 'BTC-EUR';
const TRADES = `query ($market: String!, $first: Int, $after: String) {
  trades(market: $market, first: $first, after: $after) { edges { cursor node { tradeId market price quantity takerSide at } } pageInfo { hasNextPage endCursor } } }`;

describe('public recent trades', () => {
  beforeAll(async () => {
    const admin = await rootAdmin();
    const listed = await gql(
      'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }',
      { input: { base: 'BTC', quote: 'EUR', category: 'crypto', tickSize: '0.01', lotSize: '0.01', minNotional: '1', referencePrice: '100' } },
      { token: admin.token },
    );
    expect(listed.errors ?? []).toEqual([]);
    await eventually(async () => {
      const answer = await gql(TRADES, { market: MARKET });
      if (answer.errors) throw new Error(JSON.stringify(answer.errors));
    });
  });

  it('pages through every trade newest first, anonymously, from memory and from the database alike', async () => {
    expect((await gql(TRADES, { market: MARKET })).data.trades).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    const seller = await signUp();
    const buyer = await signUp();
    await credit(seller.token, 'BTC', '10');
    await credit(buyer.token, 'EUR', '1000');
    // Eight trades: more than twice the 3 kept, so the oldest pages come from the database.
    const prices = ['100', '101', '102', '103', '104', '105', '106', '107'];
    for (const price of prices) {
      await placeOrder(seller.token, { market: MARKET, side: 'sell', type: 'limit', price, quantity: '1', timeInForce: 'GTC', clientOrderId: randomUUID() });
      await placeOrder(buyer.token, { market: MARKET, side: 'buy', type: 'limit', price, quantity: '1', timeInForce: 'IOC', clientOrderId: randomUUID() });
    }
    const seen: string[] = [];
    const ids: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 6; page++) {
      const answer = await gql(TRADES, { market: MARKET, first: 2, after });
      expect(answer.errors).toBeUndefined();
      const { edges, pageInfo } = answer.data.trades;
      for (const { node } of edges) {
        seen.push(node.price);
        ids.push(node.tradeId);
        expect(node).toMatchObject({ market: MARKET, quantity: '1', takerSide: 'buy' });
        expect(Number.isNaN(Date.parse(node.at))).toBe(false);
      }
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    if (seen.join() !== [...prices].reverse().join()) {
      // Every fill of this market as the read model holds it, with its orders: who made each trade.
      const fills = await sql(
        `select f.trade_id, f.order_id, f.user_id, f.side, f.liquidity, f.price::text, f.created_at, o.client_order_id, o.type, o.time_in_force
           from matching.fills f left join matching.orders o on o.id = f.order_id where f.market = $1 order by f.trade_id`,
        [MARKET],
      );
      throw new Error(`pages ${JSON.stringify({ seen, ids, seller: seller.id, buyer: buyer.id, fills })}`);
    }
    expect(seen).toEqual([...prices].reverse());
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => b - a));
    // A trade made after the first page was read comes first in the next read.
    await placeOrder(seller.token, { market: MARKET, side: 'sell', type: 'limit', price: '99', quantity: '1', timeInForce: 'GTC', clientOrderId: randomUUID() });
    await placeOrder(buyer.token, { market: MARKET, side: 'buy', type: 'limit', price: '99', quantity: '1', timeInForce: 'IOC', clientOrderId: randomUUID() });
    const newest = (await gql(TRADES, { market: MARKET, first: 1 })).data.trades.edges[0].node;
    expect(newest.price).toBe('99');
  });

  // Trade ids whose digit count grows inside one page ('999999999' → '1000000000'): the read model's
  // queries once sorted them as text (their ORDER BY named the select's text alias), which put
  // '999999995' before '1000000002' and showed older trades inside newer pages.
  it('orders trades by number, not as text, when the ids cross a power of ten (read model and /internal/trades)', async () => {
    const market = 'USDC-EUR';
    const admin = await rootAdmin();
    const listed = await gql(
      'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }',
      { input: { base: 'USDC', quote: 'EUR', category: 'crypto', tickSize: '0.0001', lotSize: '1', minNotional: '1', referencePrice: '0.92' } },
      { token: admin.token },
    );
    expect(listed.errors ?? []).toEqual([]);
    const user = await signUp();
    // Fills as the engine's read model holds them, ids far above any the test system's engine reaches.
    const ids = Array.from({ length: 8 }, (_, i) => 999_999_995 + i); // …995 to 1000000002
    await sql(
      `insert into matching.fills (trade_id, order_id, user_id, market, side, liquidity, price, quantity, fee, fee_asset, created_at)
       select id, 900000000000 + id, $1, $2, 'buy', 'taker', 0.92, 1, 0, 'EUR', now() - (1000000003 - id) * interval '1 second'
       from unnest($3::bigint[]) as id`,
      [user.id, market, ids],
    );
    const newestFirst = ids.map(String).reverse();
    const seen: string[] = [];
    let after: string | null = null;
    await eventually(async () => {
      const answer = await gql(TRADES, { market, first: 1 });
      if (answer.errors) throw new Error(JSON.stringify(answer.errors));
    });
    for (let page = 0; page < 8; page++) {
      const answer = await gql(TRADES, { market, first: 3, after });
      expect(answer.errors).toBeUndefined();
      seen.push(...answer.data.trades.edges.map((edge: any) => edge.node.tradeId));
      if (!answer.data.trades.pageInfo.hasNextPage) break;
      after = answer.data.trades.pageInfo.endCursor;
    }
    expect(seen).toEqual(newestFirst);

    // What markets reads to build candles: oldest first after a trade id, a page at a time.
    const history = await fetch(`${subgraphUrl('matching')}/internal/trades?market=${market}&after=999999994&limit=5`, { headers: INTERNAL_HEADERS });
    expect(history.status).toBe(200);
    expect(((await history.json()) as { trades: { tradeId: string }[] }).trades.map((t) => t.tradeId)).toEqual(ids.slice(0, 5).map(String));
  });

  it('refuses a foreign cursor, a bad page size and an unknown market with stable codes', async () => {
    const codes = async (variables: Record<string, unknown>) => (await gql(TRADES, { market: MARKET, ...variables })).errors?.map((e) => e.extensions?.code);
    expect(await codes({ after: Buffer.from('2026-01-01T00:00:00.000Z|1').toString('base64url') })).toEqual(['BAD_USER_INPUT']);
    expect(await codes({ first: 0 })).toEqual(['BAD_USER_INPUT']);
    expect(await codes({ market: 'NOPE-EUR' })).toEqual(['NOT_FOUND']);
  });
});
