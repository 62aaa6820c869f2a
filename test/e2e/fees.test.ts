import { randomUUID } from 'node:crypto';
import { credit, eventually, gql, placeOrder, signUp, type TestUser } from '../harness/client';
import { rootAdmin } from '../harness/roles';

// Fees in the graph: Market.fees and feeSchedule come from FEE_TIERS (defaults
// 0:10:20,100000:8:16,1000000:5:12), me.feeTier follows the user's 30-day volume, and the fee a
// fill is charged is the one the graph shows. On a market of this test's own, so no other
// test's orders take part in its trades.
const MARKET = 'XAU-USDT';
const FILLS = '{ myFills(first: 10) { edges { node { price quantity fee feeAsset liquidity } } } }';
const TIER = '{ me { feeTier { level maker taker thirtyDayVolume nextLevelVolume } } }';

async function trade(maker: TestUser, taker: TestUser, quantity: string): Promise<void> {
  await placeOrder(maker.token, { market: MARKET, side: 'sell', type: 'limit', price: '2400', quantity, timeInForce: 'GTC', clientOrderId: randomUUID() });
  await placeOrder(taker.token, { market: MARKET, side: 'buy', type: 'limit', price: '2400', quantity, timeInForce: 'IOC', clientOrderId: randomUUID() });
}

const newestFill = async (user: TestUser) => (await gql(FILLS, {}, { token: user.token })).data.myFills.edges[0].node;

describe('fees in the graph', () => {
  beforeAll(async () => {
    const admin = await rootAdmin();
    const listed = await gql(
      'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }',
      { input: { base: 'XAU', quote: 'USDT', category: 'commodities', tickSize: '0.01', lotSize: '0.001', minNotional: '10', referencePrice: '2400' } },
      { token: admin.token },
    );
    expect(listed.errors ?? []).toEqual([]);
    // Matching learns the market from the listing.
    await eventually(async () => {
      const answer = await gql(`{ market(symbol: "${MARKET}") { fees { maker taker } } }`);
      if (answer.errors) throw new Error(JSON.stringify(answer.errors));
    });
  });

  it('shows the schedule and each market\'s rates, and a fill pays what they say; 30-day volume moves the tier and the fee', async () => {
    const schedule = (await gql('{ feeSchedule { level minVolume maker taker } }')).data.feeSchedule;
    expect(schedule).toEqual([
      { level: 0, minVolume: '0', maker: '0.001', taker: '0.002' },
      { level: 1, minVolume: '100000', maker: '0.0008', taker: '0.0016' },
      { level: 2, minVolume: '1000000', maker: '0.0005', taker: '0.0012' },
    ]);
    const markets = await gql(`{ market(symbol: "${MARKET}") { fees { maker taker } } btc: market(symbol: "BTC-USDT") { fees { maker taker } } }`);
    expect(markets.data.market.fees).toEqual({ maker: '0.001', taker: '0.002' });
    expect(markets.data.btc.fees).toEqual({ maker: '0.001', taker: '0.002' });

    const maker = await signUp();
    const taker = await signUp();
    expect((await gql(TIER, {}, { token: taker.token })).data.me.feeTier).toEqual({
      level: 0,
      maker: '0.001',
      taker: '0.002',
      thirtyDayVolume: '0',
      nextLevelVolume: '100000',
    });
    await credit(maker.token, 'XAU', '100');
    await credit(taker.token, 'USDT', '300000');

    // 50 × 2400 = 120,000 USDT: at Market.fees, the taker pays 0.2% and the maker 0.1%.
    await trade(maker, taker, '50');
    expect(await newestFill(taker)).toEqual({ price: '2400', quantity: '50', fee: '240', feeAsset: 'USDT', liquidity: 'taker' });
    expect(await newestFill(maker)).toEqual({ price: '2400', quantity: '50', fee: '120', feeAsset: 'USDT', liquidity: 'maker' });

    // Both crossed 100,000: tier 1 within a refresh (FEE_TIER_REFRESH_MS, 500 ms on the test system).
    const tier = await eventually(async () => {
      const answer = (await gql(TIER, {}, { token: taker.token })).data.me.feeTier;
      if (answer.level !== 1) throw new Error(`still ${JSON.stringify(answer)}`);
      return answer;
    });
    expect(tier).toEqual({ level: 1, maker: '0.0008', taker: '0.0016', thirtyDayVolume: '120000', nextLevelVolume: '1000000' });
    await eventually(async () => {
      if ((await gql(TIER, {}, { token: maker.token })).data.me.feeTier.level !== 1) throw new Error('maker still at level 0');
    });

    // The next fill pays the tier's rates: 10 × 2400 = 24,000 → taker 0.16% = 38.4, maker 0.08% = 19.2.
    await trade(maker, taker, '10');
    expect(await newestFill(taker)).toMatchObject({ quantity: '10', fee: '38.4', liquidity: 'taker' });
    expect(await newestFill(maker)).toMatchObject({ quantity: '10', fee: '19.2', liquidity: 'maker' });
  });

  it("a user's fee tier is theirs alone", async () => {
    const someone = await signUp();
    const other = await signUp();
    const answer = await gql(`{ user(id: "${other.id}") { feeTier { level } } }`, {}, { token: someone.token });
    expect(answer.data?.user?.feeTier ?? null).toBeNull();
    expect(answer.errors?.[0]?.extensions?.code).toMatch(/FORBIDDEN|GRAPHQL_VALIDATION_FAILED/);
  });
});
