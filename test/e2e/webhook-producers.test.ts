import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { credit, gql, placeOrder } from '../harness/client';
import { GATEWAY_HTTP } from '../harness/env';
import { rootAdmin } from '../harness/roles';
import { startReceiver, until, verifyTradegraphSignature, type Received } from '../harness/webhook-receiver';

// The events that matching and accounts record in their outboxes reach a user's endpoint through
// the relay, signed, carrying the facts they report: the producers' half of webhooks
// (docs/architecture.md, "Webhooks, end to end"; the delivery half is webhooks.test.ts).
const PASSWORD = 'correct horse battery staple';
let receiver: Awaited<ReturnType<typeof startReceiver>>;

// A market of this test's own, so no other test's orders trade with its orders.
const MARKET = 'ETH-BTC';

beforeAll(async () => {
  receiver = await startReceiver();
  const admin = await rootAdmin();
  const listed = await gql(
    'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }',
    { input: { base: 'ETH', quote: 'BTC', category: 'crypto', tickSize: '0.00001', lotSize: '0.001', minNotional: '0.0001', referencePrice: '0.05' } },
    { token: admin.token },
  );
  expect(listed.errors ?? []).toEqual([]);
});
afterAll(async () => {
  await receiver.close();
});

/** A new user, signed up with a User-Agent of its own. */
async function user(agent = 'Tradegraph-Test/Desktop') {
  const email = `hooks-${randomUUID()}@example.com`;
  const result = await signIn('mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { accessToken user { id } } }', { email, password: PASSWORD }, agent);
  return { email, id: result.signUp.user.id as string, token: result.signUp.accessToken as string };
}

async function signIn(query: string, variables: Record<string, unknown>, agent: string) {
  const response = await fetch(GATEWAY_HTTP, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': agent },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** An endpoint of `token`'s owner on the receiver at `path`, selecting `events`; its secret. */
async function endpoint(token: string, path: string, events: string[]): Promise<string> {
  const created = await gql(
    'mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }',
    { input: { url: receiver.url(path), events, description: 'producers test' } },
    { token },
  );
  expect(created.errors).toBeUndefined();
  return created.data.createWebhookEndpoint.secret;
}

/** What reached `path`, once each event (deliveries are at least once), after checking every signature. */
function eventsAt(path: string, secret: string): Received['json'][] {
  const byId = new Map<string, Received['json']>();
  for (const request of receiver.on(path)) {
    expect(verifyTradegraphSignature(request.body, String(request.headers['tradegraph-signature']), secret)).toBe(true);
    expect(request.headers['tradegraph-event-id']).toBe(request.json.id);
    byId.set(request.json.id, request.json);
  }
  return [...byId.values()];
}

const ofType = (events: Received['json'][], type: string) => events.filter((event) => event.type === type);

describe('events recorded by their producers reach webhook endpoints', () => {
  it("trade.*: a maker's order accepted, its fills, filled; a cancelled order — with the order's own fields", async () => {
    const maker = await user();
    const taker = await user();
    const secret = await endpoint(maker.token, '/maker', ['trade.*']);
    await credit(maker.token, 'ETH', '3');
    await credit(taker.token, 'BTC', '10');
    // Listing reaches matching through an event: the first order may come before it.
    const sold = await until('matching knows the market', () =>
      placeOrder(maker.token, { market: MARKET, side: 'sell', type: 'limit', price: '0.05', quantity: '1', clientOrderId: 'hook-sell' }).catch(() => undefined),
    );
    const resting = await placeOrder(maker.token, { market: MARKET, side: 'sell', type: 'limit', price: '0.09', quantity: '1', clientOrderId: 'hook-rest' });
    await placeOrder(taker.token, { market: MARKET, side: 'buy', type: 'market', quantity: '1', clientOrderId: 'hook-buy' });
    const cancelled = await gql('mutation ($id: ID!) { cancelOrder(id: $id) { status } }', { id: resting }, { token: maker.token });
    expect(cancelled.data.cancelOrder.status).toBe('cancelled');

    const events = await until('the maker receives five trade events', () => {
      const seen = eventsAt('/maker', secret);
      return seen.length >= 5 && seen;
    });
    expect(events.map((event) => event.type).sort()).toEqual(
      ['trade.fill', 'trade.order_accepted', 'trade.order_accepted', 'trade.order_cancelled', 'trade.order_filled'].sort(),
    );
    const accepted = ofType(events, 'trade.order_accepted').find((event) => event.data.clientOrderId === 'hook-sell')!;
    expect(accepted.data).toMatchObject({ id: sold, market: MARKET, side: 'sell', price: '0.05', quantity: '1', status: 'open' });
    const [fill] = ofType(events, 'trade.fill');
    expect(fill.data).toMatchObject({ orderId: sold, market: MARKET, side: 'sell', liquidity: 'maker', price: '0.05', quantity: '1', feeAsset: 'BTC' });
    expect(ofType(events, 'trade.order_filled')[0].data).toMatchObject({ id: sold, status: 'filled', filledQuantity: '1' });
    expect(ofType(events, 'trade.order_cancelled')[0].data).toMatchObject({ id: resting, status: 'cancelled' });
    // The taker has no endpoint: none of its events went anywhere, and none reached the maker's.
    expect(events.every((event) => event.data.clientOrderId !== 'hook-buy')).toBe(true);
  });

  it('account.*: a sign-in from a new device (not from a known one), an API key, 2FA on, a wallet', async () => {
    const owner = await user('Tradegraph-Test/Desktop');
    const secret = await endpoint(owner.token, '/account', ['account.*']);
    const login = (agent: string) =>
      signIn('mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { ... on AuthPayload { accessToken } } }', { email: owner.email, password: PASSWORD }, agent);
    await login('Tradegraph-Test/Desktop');
    await login('Tradegraph-Test/Phone');
    const key = await gql('mutation { createApiKey(input: { label: "books", scopes: [read] }) { apiKey { id } } }', {}, { token: owner.token });
    expect(key.errors).toBeUndefined();
    const enrol = await gql('mutation { enrolTwoFactor { secret } }', {}, { token: owner.token });
    const code = new TOTP({ secret: Secret.fromBase32(enrol.data.enrolTwoFactor.secret) }).generate();
    expect((await gql('mutation ($code: String!) { confirmTwoFactor(code: $code) { recoveryCodes } }', { code }, { token: owner.token })).errors).toBeUndefined();
    const wallet = await gql('mutation { createEmbeddedWallet { address } }', {}, { token: owner.token });
    expect(wallet.errors).toBeUndefined();

    const events = await until('four account events', () => {
      const seen = eventsAt('/account', secret);
      return seen.length >= 4 && seen;
    });
    expect(events.map((event) => event.type).sort()).toEqual(
      ['account.api_key_created', 'account.login_new_device', 'account.two_factor_changed', 'account.wallet_linked'].sort(),
    );
    expect(ofType(events, 'account.login_new_device')[0].data).toMatchObject({ userAgent: 'Tradegraph-Test/Phone' });
    expect(ofType(events, 'account.api_key_created')[0].data).toMatchObject({ apiKeyId: key.data.createApiKey.apiKey.id, label: 'books', scopes: ['read'] });
    expect(ofType(events, 'account.two_factor_changed')[0].data).toMatchObject({ enabled: true });
    expect(ofType(events, 'account.wallet_linked')[0].data).toMatchObject({ address: wallet.data.createEmbeddedWallet.address, kind: 'EMBEDDED' });
  });
});
