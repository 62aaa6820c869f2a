import { credit, gql, signUp } from '../harness/client';
import { ownSystem, startOwnSystem } from '../harness/env';

// Placement is idempotent on clientOrderId, and cancels answer with the finished order, whether
// memory or the read model answers: matching keeps only the latest finished orders in memory
// (here 2, so older ones must come from the database) and nothing across a restart.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(4300, 'idempotent');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;

const ORDER_FIELDS = 'id status clientOrderId side type timeInForce price stopPrice quantity quoteAmount filledQuantity createdAt updatedAt';
const PLACE = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }`;
const CANCEL = `mutation ($coid: String!) { cancelOrder(clientOrderId: $coid) { ${ORDER_FIELDS} } }`;
const ORDER = `query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;

describe('idempotent placement and cancel answers', () => {
  let system: any;
  let token: string;

  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      services: ['accounts', 'markets', 'matching'],
      env: { MATCHING_FINISHED_ORDERS_KEPT: '2', MATCHING_SNAPSHOT_EVERY: '5' },
    });
    ({ token } = await signUp(GATEWAY));
    await credit(token, 'USDT', '100000', GATEWAY);
  }, 90000);

  afterAll(async () => {
    await system?.stop();
  });

  const input = (clientOrderId: string, price = '1000') => ({
    market: 'BTC-USDT',
    side: 'buy',
    type: 'limit',
    price,
    quantity: '0.01',
    clientOrderId,
  });
  const call = async (query: string, variables: Record<string, unknown>) => {
    const result = await gql(query, variables, { token, url: GATEWAY });
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    return Object.values(result.data)[0] as Record<string, string | null>;
  };
  const place = (clientOrderId: string, price?: string) => call(PLACE, { input: input(clientOrderId, price) });
  const cancel = (clientOrderId: string) => call(CANCEL, { coid: clientOrderId });
  const order = (id: string) => call(ORDER, { id });

  it('answers a retry with the first order: live, just finished, finished long ago, and after a crash', async () => {
    // Live: concurrent and later retries get the first order, as it is now.
    const [first, racing] = await Promise.all([place('a'), place('a')]);
    expect(racing).toEqual(first);
    expect(first).toMatchObject({ status: 'open', clientOrderId: 'a', price: '1000', quantity: '0.01', filledQuantity: '0' });
    expect(await place('a', '999')).toEqual(first);

    // A cancel answers with the order as it finished: the same order, status cancelled, later updatedAt.
    const cancelledA = await cancel('a');
    expect(cancelledA).toEqual({ ...first, status: 'cancelled', updatedAt: cancelledA.updatedAt });
    expect(Date.parse(cancelledA.updatedAt!)).toBeGreaterThanOrEqual(Date.parse(first.createdAt!));
    // Just finished (in memory): a retry answers the cancelled order, places nothing new.
    expect(await place('a')).toEqual(cancelledA);
    expect(await order(cancelledA.id!)).toEqual(cancelledA);
    // Cancelling it again is refused, as before.
    const again = await gql(CANCEL, { coid: 'a' }, { token, url: GATEWAY });
    expect(again.errors?.[0].extensions?.code).toBe('UNKNOWN_ORDER');

    // Three more finished orders push `a` out of memory: its answers now come from the read
    // model, and they are the same bytes memory gave.
    const finished: Record<string, string | null>[] = [];
    for (const coid of ['b', 'c', 'd']) {
      const placed = await place(coid);
      const cancelled = await cancel(coid);
      expect(cancelled).toEqual({ ...placed, status: 'cancelled', updatedAt: cancelled.updatedAt });
      finished.push(cancelled);
    }
    expect(await place('a')).toEqual(cancelledA);
    expect(await order(cancelledA.id!)).toEqual(cancelledA);
    expect(await place('d')).toEqual(finished[2]);
    expect(await place('b')).toEqual(finished[0]);

    const live = await place('e');
    const myOrders = await gql('{ myOrders(first: 50) { edges { node { clientOrderId } } } }', {}, { token, url: GATEWAY });
    expect(myOrders.data.myOrders.edges.map((e: any) => e.node.clientOrderId)).toEqual(['e', 'd', 'c', 'b', 'a']);

    // A crash: memory is gone; the restarted engine knows every key from the read model.
    system.children.matching.kill('SIGKILL');
    await new Promise((resolve) => system.children.matching.once('exit', resolve));
    await system.restart('matching');
    expect(await place('a')).toEqual(cancelledA);
    expect(await place('d')).toEqual(finished[2]);
    expect(await place('e')).toEqual(live);
    expect(await order(live.id!)).toEqual(live);
    // A new key is a new order.
    const fresh = await place('f');
    expect(fresh).toMatchObject({ status: 'open', clientOrderId: 'f' });
    expect([cancelledA.id, ...finished.map((o) => o.id), live.id]).not.toContain(fresh.id);
    expect(await cancel('e')).toEqual({ ...live, status: 'cancelled', updatedAt: expect.any(String) });
    expect(await place('e')).toMatchObject({ id: live.id, status: 'cancelled' });
    const balances = await gql('{ myBalances { asset available locked } }', {}, { token, url: GATEWAY });
    // Only `f` still locks funds: 0.01 × 1000 USDT and the taker fee it might pay (0.2 %).
    expect(balances.data.myBalances).toContainEqual({ asset: 'USDT', available: '99989.98', locked: '10.02' });
  });

  // The order book, by root field and through the Market entity, shows every command at once.
  it('answers order-book reads with the book as of the last command', async () => {
    const BOOK = `query { orderBook(market: "ETH-USDT", depth: 3) { sequence bids { price quantity orders } }
      market(symbol: "ETH-USDT") { orderBook(depth: 3) { bids { price quantity orders } } } }`;
    const read = async () => {
      const result = await gql(BOOK, {}, { token, url: GATEWAY });
      expect(result.errors).toBeUndefined();
      // The root field and the Market entity's field see the same book.
      expect(result.data.market.orderBook.bids).toEqual(result.data.orderBook.bids);
      return result.data.orderBook.bids;
    };
    const eth = (clientOrderId: string, price: string) => ({ ...input(clientOrderId, price), market: 'ETH-USDT', quantity: '1' });
    expect(await read()).toEqual([]);
    expect(await read()).toEqual([]);
    await call(PLACE, { input: eth('book-1', '100') });
    expect(await read()).toEqual([{ price: '100', quantity: '1', orders: 1 }]);
    await call(PLACE, { input: eth('book-2', '100') });
    await call(PLACE, { input: eth('book-3', '101') });
    const both = [
      { price: '101', quantity: '1', orders: 1 },
      { price: '100', quantity: '2', orders: 2 },
    ];
    expect(await read()).toEqual(both);
    expect(await read()).toEqual(both);
    await cancel('book-3');
    expect(await read()).toEqual([{ price: '100', quantity: '2', orders: 2 }]);
    await cancel('book-1');
    await cancel('book-2');
    expect(await read()).toEqual([]);
  });
});
