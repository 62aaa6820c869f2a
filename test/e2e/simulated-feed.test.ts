import { eventually, gql as gqlAt } from '../harness/client';
import { ownSystem, startOwnSystem } from '../harness/env';
import { ROOT_ADMIN_EMAIL } from '../harness/roles';

// The simulated price feed (the embedded default) in the real markets process: a market listed
// while the system runs gets prices from it at once, not only after a restart.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(5700, 'simfeed');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;
const gql = (query: string, variables: Record<string, unknown> = {}, options: { token?: string } = {}) =>
  gqlAt(query, variables, { ...options, url: GATEWAY });

const PRICE = 'query ($m: String!) { price(market: $m) { price source at } }';
const ADD_MARKET = 'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol status } }';

describe('the simulated price feed', () => {
  let system: { stop(): Promise<void> };
  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      services: ['accounts', 'markets', 'matching'],
      env: { PRICE_FEED: 'simulated', PRICE_FEED_INTERVAL_MS: '100' },
    });
  }, 120000);
  afterAll(() => system?.stop());

  it('prices a market listed while it runs, on its tick and near its reference price', async () => {
    // This system's bootstrap admin (ADMIN_EMAILS): the first sign-up with that address.
    const signedUp = await gql(
      'mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { accessToken } }',
      {
        email: ROOT_ADMIN_EMAIL,
        password: 'correct horse battery staple',
      },
    );
    const token = signedUp.data.signUp.accessToken;

    // A market listed at start is priced by the feed.
    const listed = await eventually(async () => {
      const result = await gql(PRICE, { m: 'BTC-USDT' });
      expect(result.data.price).toMatchObject({ source: 'feed' });
      return result.data.price;
    });
    expect(listed.price).toMatch(/^\d+(\.\d{1,2})?$/);

    expect((await gql(PRICE, { m: 'SOL-USDC' })).data.price).toBeNull();
    const added = await gql(
      ADD_MARKET,
      {
        input: {
          base: 'SOL',
          quote: 'USDC',
          category: 'crypto',
          tickSize: '0.005',
          lotSize: '0.01',
          minNotional: '5',
          referencePrice: '150',
        },
      },
      { token },
    );
    expect(added.errors).toBeUndefined();
    expect(added.data.addMarket).toEqual({ symbol: 'SOL-USDC', status: 'active' });

    // Within a few of the feed's 100-ms steps, with no restart: two different prices, each on the
    // new market's 0.005 tick and a random walk's few steps from 150.
    const seen = new Set<string>();
    await eventually(async () => {
      const { price } = (await gql(PRICE, { m: 'SOL-USDC' })).data;
      expect(price).toMatchObject({ source: 'feed' });
      seen.add(price.price);
      expect(seen.size).toBeGreaterThanOrEqual(2);
    }, 15000);
    for (const price of seen) {
      expect(Number.isInteger(Math.round(Number(price) * 1000) / 5)).toBe(true);
      expect(Number(price)).toBeGreaterThan(140);
      expect(Number(price)).toBeLessThan(160);
    }
  });
});
