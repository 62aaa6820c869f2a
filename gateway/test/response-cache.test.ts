import { ApolloServer } from '@apollo/server';
import { publicResponseCache } from '../src/cache/response-cache';
import type { GatewayContext } from '../src/context';

// Apollo Server computes the same overall cache policy from `@cacheControl` hints that the
// gateway computes from its subgraphs' Cache-Control headers; the plugin only reads that policy.
const typeDefs = `
  enum CacheControlScope { PUBLIC PRIVATE }
  directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
  type Ticker { market: String! price: String! }
  type Query {
    ticker(market: String!): Ticker @cacheControl(maxAge: 30)
    me: String @cacheControl(maxAge: 30, scope: PRIVATE)
    now: String
    broken: Ticker @cacheControl(maxAge: 30)
  }
  type Mutation { touch: Ticker @cacheControl(maxAge: 30) }
`;

function server() {
  const calls = { ticker: 0, me: 0, now: 0, broken: 0, touch: 0 };
  let price = 100;
  const cache = publicResponseCache({ maxEntries: 2 });
  const apollo = new ApolloServer<GatewayContext>({
    typeDefs,
    resolvers: {
      Query: {
        ticker: (_: unknown, { market }: { market: string }) => {
          calls.ticker += 1;
          return { market, price: String(price++) };
        },
        me: (_: unknown, _args: unknown, ctx: GatewayContext) => {
          calls.me += 1;
          return ctx.viewer?.userId ?? null;
        },
        now: () => {
          calls.now += 1;
          return String(calls.now);
        },
        broken: () => {
          calls.broken += 1;
          throw new Error('down');
        },
      },
      Mutation: {
        touch: () => {
          calls.touch += 1;
          return { market: 'X', price: '1' };
        },
      },
    },
    plugins: [cache],
  });
  const run = async (query: string, variables: Record<string, unknown> = {}, userId = 'u1') => {
    const response = await apollo.executeOperation(
      { query, variables },
      { contextValue: { reqId: 'r', viewer: { userId, roles: [], scopes: [] } } },
    );
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return { result: response.body.singleResult, cacheControl: response.http.headers.get('cache-control') };
  };
  return { apollo, run, calls, cache };
}

describe('publicResponseCache', () => {
  it('answers a public query from the cache for every caller, with the same data', async () => {
    const { apollo, run, calls } = server();
    await apollo.start();
    const first = await run('query ($m: String!) { ticker(market: $m) { market price } }', { m: 'BTC-USDT' }, 'alice');
    const second = await run('query ($m: String!) { ticker(market: $m) { market price } }', { m: 'BTC-USDT' }, 'bob');
    expect(calls.ticker).toBe(1);
    expect(second.result).toEqual(first.result);
    expect(second.cacheControl).toMatch(/max-age=(30|29), public/);
    // Other variables are another entry.
    await run('query ($m: String!) { ticker(market: $m) { market price } }', { m: 'ETH-USDT' });
    expect(calls.ticker).toBe(2);
    await apollo.stop();
  });

  it('never stores private or unhinted data, errors or mutations', async () => {
    const { apollo, run, calls, cache } = server();
    await apollo.start();
    expect((await run('{ me }', {}, 'alice')).result.data).toEqual({ me: 'alice' });
    expect((await run('{ me }', {}, 'bob')).result.data).toEqual({ me: 'bob' });
    expect(calls.me).toBe(2);
    // Public data together with private data is private as a whole.
    await run('{ me ticker(market: "X") { price } }');
    await run('{ me ticker(market: "X") { price } }');
    expect(calls.me).toBe(4);
    await run('{ now }');
    await run('{ now }');
    expect(calls.now).toBe(2);
    await run('{ broken { price } }');
    await run('{ broken { price } }');
    expect(calls.broken).toBe(2);
    await run('mutation { touch { price } }');
    await run('mutation { touch { price } }');
    expect(calls.touch).toBe(2);
    expect(cache.size()).toBe(0);
    await apollo.stop();
  });

  it('keeps at most maxEntries responses, dropping the oldest', async () => {
    const { apollo, run, calls, cache } = server();
    await apollo.start();
    const ticker = 'query ($m: String!) { ticker(market: $m) { price } }';
    for (const m of ['A', 'B', 'C']) await run(ticker, { m });
    expect(cache.size()).toBe(2);
    await run(ticker, { m: 'C' });
    expect(calls.ticker).toBe(3);
    await run(ticker, { m: 'A' });
    expect(calls.ticker).toBe(4);
    await apollo.stop();
  });
});
