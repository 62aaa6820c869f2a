import { credit, eventually, gql, signUp, sql } from '../harness/client';
import { GATEWAY_HTTP } from '../harness/env';
import { userWithRoles } from '../harness/roles';

/** An admin's token (the role given by the test system's bootstrap admin, logged in again). */
const admin = async (): Promise<string> => (await userWithRoles(['user', 'admin'], 'market-admin')).token;

const PLACE = 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }';

describe('catalog', () => {
  it('lists markets as a connection with filters, sorting and paging', async () => {
    const forex = await gql('{ markets(category: forex) { edges { node { symbol category tradingHours { days open close } } } } }');
    expect(forex.errors).toBeUndefined();
    expect(forex.data.markets.edges.map((e: any) => e.node.symbol)).toEqual(['EUR-USD']);
    expect(forex.data.markets.edges[0].node.tradingHours).toEqual({ days: [0, 1, 2, 3, 4], open: '22:00', close: '22:00' });

    const usdc = await gql('{ markets(quoteAsset: "USDC", status: active) { edges { node { symbol quoteAsset { symbol } } } } }');
    for (const { node } of usdc.data.markets.edges) expect(node.quoteAsset.symbol).toBe('USDC');
    expect(usdc.data.markets.edges.map((e: any) => e.node.symbol)).toEqual(expect.arrayContaining(['BTC-USDC', 'ETH-USDC']));

    // Paging: two at a time walks the same list as one page.
    const all = await gql('{ markets(category: crypto, first: 100) { edges { node { symbol } } } }');
    const symbols = all.data.markets.edges.map((e: any) => e.node.symbol);
    const walked: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await gql(
        'query ($after: String) { markets(category: crypto, first: 2, after: $after) { edges { node { symbol } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      walked.push(...page.data.markets.edges.map((e: any) => e.node.symbol));
      if (!page.data.markets.pageInfo.hasNextPage) break;
      after = page.data.markets.pageInfo.endCursor;
    }
    expect(walked).toEqual(symbols);

    // Market cap sorting: give two assets a market cap and see them first, largest first.
    await sql(
      `UPDATE markets.assets SET market_cap = CASE symbol WHEN 'BTC' THEN 1300000000000 WHEN 'ETH' THEN 400000000000 END WHERE symbol IN ('BTC','ETH')`,
    );
    const byCap = await gql('{ markets(orderBy: MARKET_CAP, quoteAsset: "USDT") { edges { node { symbol baseAsset { marketCap } } } } }');
    expect(byCap.errors).toBeUndefined();
    expect(byCap.data.markets.edges.slice(0, 2).map((e: any) => e.node.symbol)).toEqual(['BTC-USDT', 'ETH-USDT']);
    // Volume and change come from the 24h tickers; the query works whether or not there were trades.
    const byVolume = await gql('{ markets(orderBy: VOLUME, first: 3) { edges { node { symbol } } } }');
    expect(byVolume.errors).toBeUndefined();
    expect(byVolume.data.markets.edges).toHaveLength(3);

    const assets = await gql('{ assets(orderBy: MARKET_CAP, first: 2) { edges { node { symbol networks marketCap decimals } } } }');
    expect(assets.data.assets.edges.map((e: any) => e.node.symbol)).toEqual(['BTC', 'ETH']);
    expect(assets.data.assets.edges[1].node.networks).toEqual(['ethereum']);
  });

  it('resolves Market fields of markets and matching in one query', async () => {
    const result = await gql(
      '{ market(symbol: "BTC-USDT") { symbol tickSize baseAsset { name } stale orderBook { bids { price } asks { price } } } }',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.market).toMatchObject({ symbol: 'BTC-USDT', tickSize: '0.01', baseAsset: { name: 'Bitcoin' } });
    expect(Array.isArray(result.data.market.orderBook.bids) && Array.isArray(result.data.market.orderBook.asks)).toBe(true);
  });

  it('refuses admin mutations to non-admins and bad input, changing nothing', async () => {
    const user = await signUp();
    const input = {
      base: 'SOL',
      quote: 'EUR',
      category: 'crypto',
      tickSize: '0.01',
      lotSize: '0.01',
      minNotional: '5',
      referencePrice: '140',
    };
    const anonymous = await gql('mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }', { input });
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const notAdmin = await gql(
      'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }',
      { input },
      { token: user.token },
    );
    expect(notAdmin.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const token = await admin();
    const bad = [
      { ...input, tickSize: '0' },
      { ...input, base: 'NOPE' },
      { ...input, tickSize: '0.00001', lotSize: '0.00001' }, // 10 decimals between them: more than the engine keeps
      { ...input, referencePrice: '140.005' }, // off the tick
      { ...input, tradingHours: { days: [7], open: '09:00', close: '17:00' } },
      { ...input, tradingHours: { days: [1], open: '9am', close: '17:00' } },
    ];
    for (const wrong of bad) {
      const result = await gql('mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }', { input: wrong }, { token });
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await sql(`SELECT symbol FROM markets.markets WHERE base_asset = 'SOL' AND quote_asset = 'EUR'`)).toEqual([]);
    const duplicate = await gql('mutation { suspendMarket(symbol: "NOPE-USDT") { status } }', {}, { token });
    expect(duplicate.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('lists a market the engine then trades; suspended it refuses orders, cancels still work; resumed it trades', async () => {
    const token = await admin();
    const trader = await signUp();
    await credit(trader.token, 'USDC', '100000');
    const added = await gql(
      'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol status category tickSize baseAsset { symbol } } }',
      {
        input: {
          base: 'SOL',
          quote: 'USDC',
          category: 'crypto',
          tickSize: '0.001',
          lotSize: '0.01',
          minNotional: '5',
          referencePrice: '150',
        },
      },
      { token },
    );
    expect(added.errors).toBeUndefined();
    expect(added.data.addMarket).toEqual({
      symbol: 'SOL-USDC',
      status: 'active',
      category: 'crypto',
      tickSize: '0.001',
      baseAsset: { symbol: 'SOL' },
    });
    const again = await gql(
      'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }',
      {
        input: {
          base: 'SOL',
          quote: 'USDC',
          category: 'crypto',
          tickSize: '0.001',
          lotSize: '0.01',
          minNotional: '5',
          referencePrice: '150',
        },
      },
      { token },
    );
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');

    // The engine hears of the listing through Redis: the first order may arrive before it did.
    let n = 0;
    const order = (price: string) => ({
      market: 'SOL-USDC',
      side: 'buy',
      type: 'limit',
      price,
      quantity: '1',
      clientOrderId: `sol-usdc-${++n}`,
    });
    const placed = await eventually(async () => {
      const result = await gql(PLACE, { input: order('140') }, { token: trader.token });
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      return result.data.placeOrder;
    });
    expect(placed.status).toBe('open');
    const book = await gql('{ market(symbol: "SOL-USDC") { orderBook { bids { price quantity } } } }');
    expect(book.data.market.orderBook.bids).toEqual([{ price: '140', quantity: '1' }]);

    const suspended = await gql('mutation { suspendMarket(symbol: "SOL-USDC") { status } }', {}, { token });
    expect(suspended.data.suspendMarket.status).toBe('suspended');
    const refused = await eventually(async () => {
      const result = await gql(PLACE, { input: order('141') }, { token: trader.token });
      if (!result.errors) throw new Error('still accepted');
      return result.errors[0];
    });
    expect(refused.extensions?.code).toBe('MARKET_SUSPENDED');
    const cancelled = await gql('mutation ($id: ID!) { cancelOrder(id: $id) { status } }', { id: placed.id }, { token: trader.token });
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data.cancelOrder.status).toBe('cancelled');
    const listed = await gql('{ markets(status: suspended) { edges { node { symbol } } } }');
    expect(listed.data.markets.edges.map((e: any) => e.node.symbol)).toContain('SOL-USDC');

    const resumed = await gql('mutation { resumeMarket(symbol: "SOL-USDC") { status } }', {}, { token });
    expect(resumed.data.resumeMarket.status).toBe('active');
    const accepted = await eventually(async () => {
      const result = await gql(PLACE, { input: order('142') }, { token: trader.token });
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      return result.data.placeOrder;
    });
    expect(accepted.status).toBe('open');

    // Each change was recorded in the accounts audit log before it was made; the refused
    // duplicate listing was not.
    const audit = await gql(
      'query ($target: String) { auditLog(targetId: $target) { edges { node { action targetType details } } } }',
      { target: 'SOL-USDC' },
      { token },
    );
    expect(audit.errors).toBeUndefined();
    const actions = audit.data.auditLog.edges.map((e: any) => e.node);
    expect(actions.map((a: any) => a.action).sort()).toEqual(['add_market', 'resume_market', 'suspend_market']);
    const suspension = actions.find((a: any) => a.action === 'suspend_market');
    expect(suspension.targetType).toBe('Market');
    expect(JSON.parse(suspension.details)).toEqual({ from: 'active', to: 'suspended' });
  });
  it('serves the order book as public data for a second, and shows an order placed through the gateway at once', async () => {
    const BOOK = '{ orderBook(market: "ETH-USDT", depth: 50) { market sequence bids { price quantity } } }';
    const read = async (query = BOOK) => {
      const response = await fetch(GATEWAY_HTTP, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      return { cacheControl: response.headers.get('cache-control'), body: (await response.json()) as any };
    };
    const first = await read();
    expect(first.body.errors).toBeUndefined();
    // A second at most, public: the market's book is the same for everyone.
    expect(first.cacheControl).toMatch(/^max-age=1, public$/);
    // Through Market.orderBook too (the entity field the gateway fetches from matching).
    const viaMarket = await read('{ market(symbol: "ETH-USDT") { symbol orderBook(depth: 5) { sequence } } }');
    expect(viaMarket.cacheControl).toMatch(/^max-age=1, public$/);

    // A write through the gateway drops what the gateway cached from matching: the new bid shows
    // on the very next read, not a second later.
    const trader = await signUp();
    await credit(trader.token, 'USDT', '1000');
    const price = '11.37';
    const placed = await gql(
      PLACE,
      { input: { market: 'ETH-USDT', side: 'buy', type: 'limit', price, quantity: '1', clientOrderId: 'book-cache-1' } },
      { token: trader.token },
    );
    expect(placed.errors).toBeUndefined();
    expect(placed.data.placeOrder.status).toBe('open');
    const after = await read();
    expect(after.body.data.orderBook.sequence).toBeGreaterThan(first.body.data.orderBook.sequence);
    expect(after.body.data.orderBook.bids).toEqual(expect.arrayContaining([expect.objectContaining({ price })]));
  });
});
