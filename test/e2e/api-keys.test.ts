import { randomUUID } from 'node:crypto';
import { TOTP } from 'otpauth';
import { credit, gql, signUp, sql, wsClient, collect, type GraphQLResponse, type TestUser } from '../harness/client';
import { GATEWAY_HTTP, INTERNAL_HEADERS, subgraphUrl } from '../harness/env';

const CREATE = `mutation ($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id label prefix scopes ipAllowList expiresAt revokedAt lastUsedAt createdAt } }
}`;
const PLACE = 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }';

/** A request as an integrator sends it: the key in `x-api-key`, no Authorization. */
async function withKey<T = any>(
  apiKey: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const response = await fetch(GATEWAY_HTTP, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as GraphQLResponse<T>) };
}

async function createKey(user: TestUser, input: Record<string, unknown>) {
  const result = await gql(CREATE, { input: { label: 'bot', scopes: ['read'], ...input } }, { token: user.token });
  if (!result.data) throw new Error(`createApiKey failed: ${JSON.stringify(result.errors)}`);
  return result.data.createApiKey as { secret: string; apiKey: Record<string, any> };
}

const order = (market = 'BTC-USDT') => ({
  market,
  side: 'buy',
  type: 'limit',
  price: '1000',
  quantity: '0.01',
  clientOrderId: `key-${randomUUID()}`,
});

describe('API keys', () => {
  it('are shown once, stored hashed, listed without the secret, and answer queries with the read scope', async () => {
    const user = await signUp();
    const { secret, apiKey } = await createKey(user, { label: 'reporting', scopes: ['read'], ipAllowList: [] });
    expect(secret).toMatch(/^tgk_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ label: 'reporting', scopes: ['read'], prefix: secret.slice(0, 12), revokedAt: null, lastUsedAt: null });

    const [row] = await sql('select encode(secret_hash, $2) as hash, t::text as whole from accounts.api_keys t where id = $1', [
      apiKey.id,
      'hex',
    ]);
    expect(row.whole).not.toContain(secret.slice(12));
    expect(row.hash).toHaveLength(64);

    const result = await withKey(secret, '{ me { id } myApiKeys { edges { node { id label scopes lastUsedAt } } } }');
    expect(result.errors).toBeUndefined();
    expect(result.data.me.id).toBe(user.id);
    const listed = result.data.myApiKeys.edges.map((e: any) => e.node);
    expect(listed).toHaveLength(1);
    expect(listed[0].lastUsedAt).not.toBeNull();
    expect(JSON.stringify(result)).not.toContain(secret.slice(12));
  });

  it('place orders with the trade scope and are refused FORBIDDEN with only read', async () => {
    const user = await signUp();
    await credit(user.token, 'USDT', '1000');
    const trader = await createKey(user, { scopes: ['read', 'trade'] });
    const reader = await createKey(user, { scopes: ['read'] });

    const placed = await withKey(trader.secret, PLACE, { input: order() });
    expect(placed.errors).toBeUndefined();
    expect(placed.data.placeOrder.status).toBe('open');

    const refused = await withKey(reader.secret, PLACE, { input: order() });
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const cancelRefused = await withKey(reader.secret, 'mutation ($id: ID!) { cancelOrder(id: $id) { id } }', {
      id: placed.data.placeOrder.id,
    });
    expect(cancelRefused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const mine = await gql('{ myOrders { edges { node { id status } } } }', {}, { token: user.token });
    expect(mine.data.myOrders.edges).toEqual([{ node: { id: placed.data.placeOrder.id, status: 'open' } }]);

    // A trade-only key cannot read.
    const tradeOnly = await createKey(user, { scopes: ['trade'] });
    expect((await withKey(tradeOnly.secret, '{ myOrders { edges { node { id } } } }')).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await withKey(tradeOnly.secret, '{ me { id } }')).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await withKey(tradeOnly.secret, PLACE, { input: order() })).errors).toBeUndefined();
  });

  it('carry subscriptions: myOrderUpdates over graphql-ws with the key in connection_init', async () => {
    const user = await signUp();
    await credit(user.token, 'USDT', '1000');
    const { secret } = await createKey(user, { scopes: ['read', 'trade'] });
    const client = wsClient(undefined, undefined, { connectionParams: { apiKey: secret } });
    try {
      const updates = collect(client, 'subscription { myOrderUpdates { id status market { symbol } } }');
      // The upstream subscription opens asynchronously: place orders until one is heard.
      const placed: string[] = [];
      for (let i = 0; i < 50 && updates.results.length === 0 && updates.error === undefined; i++) {
        const result = await withKey(secret, PLACE, { input: order() });
        expect(result.errors).toBeUndefined();
        placed.push(result.data.placeOrder.id);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await updates.waitFor(1);
      expect(updates.error).toBeUndefined();
      expect(updates.results[0].errors).toBeUndefined();
      expect(placed).toContain(updates.results[0].data.myOrderUpdates.id);
      expect(updates.results[0].data.myOrderUpdates.market.symbol).toBe('BTC-USDT');
      updates.unsubscribe();
    } finally {
      await client.dispose();
    }
  });

  it('refuse a subscription connection with a bad key', async () => {
    const client = wsClient(undefined, undefined, { connectionParams: { apiKey: `tgk_${'x'.repeat(43)}` } });
    try {
      const updates = collect(client, 'subscription { myOrderUpdates { id } }');
      await updates.waitFor(1);
      expect((updates.error as { code?: number }).code).toBe(4403);
    } finally {
      await client.dispose();
    }
  });

  it('stop working when revoked', async () => {
    const user = await signUp();
    const { secret, apiKey } = await createKey(user, {});
    const revoked = await gql('mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }', { id: apiKey.id }, { token: user.token });
    expect(revoked.data.revokeApiKey.revokedAt).not.toBeNull();
    const result = await withKey(secret, '{ me { id } }');
    expect(result.status).toBe(401);
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.errors?.[0].message).toMatch(/revoked/);
  });

  it('stop working once used and then revoked, at the exchange itself', async () => {
    const user = await signUp();
    const { secret, apiKey } = await createKey(user, {});
    const exchange = (apiKeyValue: string) =>
      fetch(`${subgraphUrl('accounts')}/internal/api-keys/exchange`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...INTERNAL_HEADERS },
        body: JSON.stringify({ apiKey: apiKeyValue, ip: '127.0.0.1' }),
      });
    expect((await exchange(secret)).status).toBe(200);
    await gql('mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: apiKey.id }, { token: user.token });
    expect((await exchange(secret)).status).toBe(401);
  });

  it('stop working when expired', async () => {
    const user = await signUp();
    const { secret, apiKey } = await createKey(user, { expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    await sql(`update accounts.api_keys set expires_at = now() - interval '1 second' where id = $1`, [apiKey.id]);
    const result = await withKey(secret, '{ me { id } }');
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.errors?.[0].message).toMatch(/expired/);
  });

  it('work only from the addresses on their allow-list', async () => {
    const user = await signUp();
    const elsewhere = await createKey(user, { ipAllowList: ['203.0.113.7', '198.51.100.0/24'] });
    const refused = await withKey(elsewhere.secret, '{ me { id } }');
    expect(refused.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(refused.errors?.[0].message).toMatch(/address/);
    // The client cannot pick its address: the gateway trusts X-Forwarded-For only from known proxies.
    const spoofed = await withKey(elsewhere.secret, '{ me { id } }', {}, { 'x-forwarded-for': '203.0.113.7' });
    expect(spoofed.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    const here = await createKey(user, { ipAllowList: ['127.0.0.0/8', '::1'] });
    expect((await withKey(here.secret, '{ me { id } }')).data?.me.id).toBe(user.id);
  });

  it('refuse a bad key, and a key together with a bearer token', async () => {
    for (const bad of ['nonsense', `tgk_${'A'.repeat(43)}`, '']) {
      if (!bad) continue;
      const result = await withKey(bad, '{ me { id } }');
      expect(result.status).toBe(401);
      expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
    const user = await signUp();
    const { secret } = await createKey(user, {});
    const both = await withKey(secret, '{ me { id } }', {}, { authorization: `Bearer ${user.token}` });
    expect(both.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('cannot manage account security, even with every scope', async () => {
    const user = await signUp();
    const { secret, apiKey } = await createKey(user, { scopes: ['read', 'trade', 'withdraw'] });
    const mint = await withKey(secret, CREATE, { input: { label: 'more', scopes: ['withdraw'] } });
    expect(mint.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const revoke = await withKey(secret, 'mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: apiKey.id });
    expect(revoke.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const link = await withKey(secret, 'mutation { walletLinkChallenge(address: "0x0000000000000000000000000000000000000001") { nonce } }');
    expect(link.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const wallet = await withKey(secret, 'mutation { createEmbeddedWallet { address } }');
    expect(wallet.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await sql('select count(*)::int as n from accounts.api_keys where user_id = $1', [user.id]))[0].n).toBe(1);
  });

  it('validate their input and change nothing when it is bad', async () => {
    const user = await signUp();
    const cases = [
      { scopes: [] },
      { ipAllowList: ['not-an-ip'] },
      { ipAllowList: ['10.0.0.0/99'] },
      { expiresAt: new Date(Date.now() - 1000).toISOString() },
      { label: '' },
    ];
    for (const input of cases) {
      const result = await gql(CREATE, { input: { label: 'bot', scopes: ['read'], ...input } }, { token: user.token });
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect((await sql('select count(*)::int as n from accounts.api_keys where user_id = $1', [user.id]))[0].n).toBe(0);
  });

  it('need the second factor when 2FA is on', async () => {
    const user = await signUp();
    const enrolment = await gql('mutation { enrolTwoFactor { secret } }', {}, { token: user.token });
    expect(enrolment.errors).toBeUndefined();
    const totp = new TOTP({ secret: enrolment.data.enrolTwoFactor.secret });
    const confirmed = await gql(
      'mutation ($c: String!) { confirmTwoFactor(code: $c) { recoveryCodes } }',
      { c: totp.generate() },
      { token: user.token },
    );
    expect(confirmed.errors).toBeUndefined();
    const [recovery] = confirmed.data.confirmTwoFactor.recoveryCodes;

    const without = await gql(CREATE, { input: { label: 'bot', scopes: ['read'] } }, { token: user.token });
    expect(without.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const wrong = await gql(CREATE, { input: { label: 'bot', scopes: ['read'], twoFactorCode: 'aaaaa-bbbbb' } }, { token: user.token });
    expect(wrong.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const withCode = await gql(CREATE, { input: { label: 'bot', scopes: ['read'], twoFactorCode: recovery } }, { token: user.token });
    expect(withCode.errors).toBeUndefined();
    expect(withCode.data.createApiKey.secret).toMatch(/^tgk_/);
  });

  it('belong to their owner: another user cannot revoke or see them', async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const { apiKey } = await createKey(alice, {});
    const revoke = await gql('mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: apiKey.id }, { token: bob.token });
    expect(revoke.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const bobs = await gql('{ myApiKeys { edges { node { id } } } }', {}, { token: bob.token });
    expect(bobs.data.myApiKeys.edges).toEqual([]);
    const [row] = await sql('select revoked_at from accounts.api_keys where id = $1', [apiKey.id]);
    expect(row.revoked_at).toBeNull();
  });
});
