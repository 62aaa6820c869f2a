import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Redis from 'ioredis';
import { collect, eventually, gql, publishUntil, signUp, wsClient } from '../harness/client';
import { REDIS_URL, busChannel, ownSystem, startOwnSystem } from '../harness/env';

// A subgraph that dies under a live subscription: the client must get a GraphQL error and a
// complete (never a silent, hung stream), and its socket must stay usable. This needs a system
// of its own, since a subgraph is killed.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(3000, 'failure');

describe('a system in production mode, and when the owning subgraph goes away', () => {
  let system: any;
  let redis: Redis;

  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      services: ['accounts', 'markets', 'matching'],
      // Production mode, with demo credits asked for: they must still be refused. Production
      // refuses the built-in development keys, so this system gets keys of its own.
      env: {
        NODE_ENV: 'production',
        MATCHING_DEMO_CREDITS: 'on',
        KYC_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        EMBEDDED_WALLET_KEYS: `w1:${randomBytes(32).toString('base64')}`,
        WEBHOOK_SECRET_KEYS: `h1:${randomBytes(32).toString('base64')}`,
      },
    });
    redis = new Redis(REDIS_URL);
  }, 90000);

  afterAll(async () => {
    await redis?.quit();
    await system?.stop();
  });

  it('refuses demo credits in production and changes no balance', async () => {
    const user = await signUp(`http://127.0.0.1:${PORT_BASE}/graphql`);
    const url = `http://127.0.0.1:${PORT_BASE}/graphql`;
    const result = await gql(
      'mutation { creditDemoFunds(asset: "USDT", amount: "100", idempotencyKey: "k") { available } }',
      {},
      { token: user.token, url },
    );
    expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql('{ myBalances { asset } }', {}, { token: user.token, url })).data.myBalances).toEqual([]);
  });

  it('ends the client subscription with an error and a complete, and the socket stays usable', async () => {
    const client = wsClient(undefined, `ws://127.0.0.1:${PORT_BASE}/graphql`);
    const market = 'ETH-USDC';
    const prices = collect(client, `subscription { priceUpdated(market: "${market}", initial: false) { price } }`);
    await publishUntil(
      redis,
      busChannel(`markets.price.${market}`, DATABASE),
      { market, price: '3000.5', at: new Date().toISOString() },
      () => prices.results.length,
    );
    expect(prices.results[0].data.priceUpdated.price).toBe('3000.5');

    system.children.markets.kill('SIGKILL');
    await prices.waitFor(prices.results.length + 1, 10000);
    await eventually(async () => expect(prices.completed).toBe(true), 5000);
    const last = prices.results[prices.results.length - 1];
    expect(last.errors?.[0].extensions?.code).toBe('UPSTREAM_CLOSED');

    // The same socket still answers: a mutation that accounts (alive) serves.
    const signUp = await new Promise<any>((resolve, reject) =>
      client.subscribe(
        { query: 'mutation { signUp(email: "after-failure@example.com", password: "correct horse battery") { user { id } } }' },
        { next: resolve, error: reject, complete: () => {} },
      ),
    );
    expect(signUp.data.signUp.user.id).toMatch(/^[0-9a-f-]{36}$/);
    await client.dispose();
  });
});
