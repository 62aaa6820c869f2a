import path from 'node:path';
import { collect, gql, signUp, wsClient } from '../harness/client';
import { ownSystem, startOwnSystem } from '../harness/env';

// A WebSocket opened with an API key outlives the key's tokens, so the gateway checks the key
// again while the socket is open. A system of its own re-checks every second.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(90, 'apikeyws');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;
const GATEWAY_WS = `ws://127.0.0.1:${PORT_BASE}/graphql`;

describe('API keys on open WebSockets', () => {
  let system: any;

  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      services: ['accounts', 'markets'],
      env: { API_KEY_RECHECK_SECONDS: '1' },
    });
  }, 90000);

  afterAll(async () => {
    await system?.stop();
  });

  it('closes the socket (4403), ending its subscriptions, once the key is revoked', async () => {
    const user = await signUp(GATEWAY);
    const created = await gql(
      'mutation { createApiKey(input: { label: "feed", scopes: [read] }) { secret apiKey { id } } }',
      {},
      { token: user.token, url: GATEWAY },
    );
    const { secret, apiKey } = created.data.createApiKey;
    let connected!: () => void;
    const ready = new Promise<void>((resolve) => (connected = resolve));
    const client = wsClient(undefined, GATEWAY_WS, { connectionParams: { apiKey: secret }, on: { connected: () => connected() } });
    try {
      const prices = collect(client, 'subscription { priceUpdated(market: "BTC-USDT", initial: false) { price } }');
      await Promise.race([ready, prices.waitFor(1)]);
      expect(prices.error).toBeUndefined();
      const revoked = await gql(
        'mutation ($id: ID!) { revokeApiKey(id: $id) { id } }',
        { id: apiKey.id },
        { token: user.token, url: GATEWAY },
      );
      expect(revoked.errors).toBeUndefined();
      await prices.waitFor(1, 30000);
      expect((prices.error as { code?: number }).code).toBe(4403);
    } finally {
      await client.dispose();
    }
  });
});
