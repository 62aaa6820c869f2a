import { randomUUID } from 'node:crypto';
import { Wallet } from 'ethers';
import { collect, credit, gql, placeOrder, sql, wsClient } from '../harness/client';

// An access token lives 15 minutes, but its session can end sooner: logout, revokeSession from
// another device, or a reused refresh token (theft). From then on the token must not do anything:
// every process refuses tokens of ended sessions (shared/src/session-revocations.ts), and
// account-security actions in accounts also ask the database.
const PASSWORD = 'correct horse battery staple';
const AUTH = 'accessToken refreshToken sessionId user { id }';

async function account() {
  const email = `live-${randomUUID()}@example.com`;
  const result = await gql(`mutation ($e: String!, $p: String!) { signUp(email: $e, password: $p) { ${AUTH} } }`, { e: email, p: PASSWORD });
  expect(result.errors).toBeUndefined();
  return { email, ...result.data.signUp } as { email: string; accessToken: string; refreshToken: string; sessionId: string; user: { id: string } };
}

async function loginAgain(email: string) {
  const result = await gql(`mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on AuthPayload { ${AUTH} } } }`, {
    e: email,
    p: PASSWORD,
  });
  expect(result.errors).toBeUndefined();
  return result.data.login as { accessToken: string; refreshToken: string; sessionId: string };
}

const CREATE_KEY = 'mutation { createApiKey(input: { label: "after-logout", scopes: [read, trade, withdraw] }) { secret } }';
const LINK_CHALLENGE = 'mutation ($a: String!) { walletLinkChallenge(address: $a) { message } }';
const LINK = 'mutation ($m: String!, $s: String!) { linkWallet(message: $m, signature: $s) { address } }';
const EMBEDDED = 'mutation { createEmbeddedWallet { address } }';
const ENROL = 'mutation { enrolTwoFactor { otpauthUri } }';

const codeOf = (result: { errors?: { extensions?: { code?: string } }[] }) => result.errors?.[0]?.extensions?.code;

/** Every account-security action and a read in each of two other subgraphs, with `token`: the codes they answer. */
async function everythingWith(token: string) {
  const wallet = Wallet.createRandom();
  return {
    createApiKey: codeOf(await gql(CREATE_KEY, {}, { token })),
    walletLinkChallenge: codeOf(await gql(LINK_CHALLENGE, { a: wallet.address }, { token })),
    createEmbeddedWallet: codeOf(await gql(EMBEDDED, {}, { token })),
    enrolTwoFactor: codeOf(await gql(ENROL, {}, { token })),
    me: codeOf(await gql('{ me { id } }', {}, { token })),
    myBalances: codeOf(await gql('{ myBalances { asset } }', {}, { token })),
    myOrders: codeOf(await gql('{ me { orders { edges { node { id } } } } }', {}, { token })),
  };
}

const ALL_REFUSED = {
  createApiKey: 'UNAUTHENTICATED',
  walletLinkChallenge: 'UNAUTHENTICATED',
  createEmbeddedWallet: 'UNAUTHENTICATED',
  enrolTwoFactor: 'UNAUTHENTICATED',
  me: 'UNAUTHENTICATED',
  myBalances: 'UNAUTHENTICATED',
  myOrders: 'UNAUTHENTICATED',
};

const keysOf = async (userId: string) => sql('select id from accounts.api_keys where user_id = $1', [userId]);
const walletsOf = async (userId: string) => sql('select address from accounts.wallets where user_id = $1', [userId]);

describe('a session that ended takes its access tokens with it', () => {
  it('after logout the access token can do nothing, while the same user’s other session goes on', async () => {
    const user = await account();
    const laptop = await loginAgain(user.email);
    // A wallet-link challenge issued while the session was live must not be usable after logout.
    const attacker = Wallet.createRandom();
    const issued = await gql(LINK_CHALLENGE, { a: attacker.address }, { token: user.accessToken });
    const message: string = issued.data.walletLinkChallenge.message;

    expect((await gql('mutation { logout }', {}, { token: user.accessToken })).data?.logout).toBe(true);

    expect(await everythingWith(user.accessToken)).toEqual(ALL_REFUSED);
    const linked = await gql(LINK, { m: message, s: await attacker.signMessage(message) }, { token: user.accessToken });
    expect(codeOf(linked)).toBe('UNAUTHENTICATED');
    expect(await keysOf(user.user.id)).toEqual([]);
    expect(await walletsOf(user.user.id)).toEqual([]);

    // The laptop's session is untouched.
    expect((await gql('{ me { id } }', {}, { token: laptop.accessToken })).data?.me.id).toBe(user.user.id);
    const key = await gql(CREATE_KEY, {}, { token: laptop.accessToken });
    expect(key.errors).toBeUndefined();
    expect(await keysOf(user.user.id)).toHaveLength(1);
  });

  it('a reused refresh token ends the session for its access tokens too (the thief’s and the owner’s)', async () => {
    const user = await account();
    const refresh = 'mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }';
    const rotated = (await gql(refresh, { t: user.refreshToken })).data.refreshSession;
    // The first refresh token comes back: someone copied it.
    expect(codeOf(await gql(refresh, { t: user.refreshToken }))).toBe('UNAUTHENTICATED');

    expect(await everythingWith(rotated.accessToken)).toEqual(ALL_REFUSED);
    expect(await everythingWith(user.accessToken)).toEqual(ALL_REFUSED);
    expect(await keysOf(user.user.id)).toEqual([]);
  });

  it('revokeSession from another device ends that device’s access token', async () => {
    const user = await account();
    const phone = await loginAgain(user.email);
    const revoked = await gql('mutation ($id: ID!) { revokeSession(id: $id) { id } }', { id: phone.sessionId }, { token: user.accessToken });
    expect(revoked.errors).toBeUndefined();
    expect(await everythingWith(phone.accessToken)).toEqual(ALL_REFUSED);
    expect((await gql('{ me { id } }', {}, { token: user.accessToken })).data?.me.id).toBe(user.user.id);
  });

  it('a logged-out token cannot open a subscription socket either', async () => {
    const user = await account();
    await gql('mutation { logout }', {}, { token: user.accessToken });
    const client = wsClient(user.accessToken);
    const sub = collect(client, 'subscription { myOrderUpdates { id } }');
    await sub.waitFor(1);
    expect(sub.results).toEqual([]);
    expect((sub.error as { code?: number }).code).toBe(4403);
    await client.dispose();
  });

  it('a subscription opened before logout is closed (4403) when the session ends; another session’s stays open', async () => {
    const user = await account();
    const laptop = await loginAgain(user.email);
    const phoneClient = wsClient(user.accessToken);
    const laptopClient = wsClient(laptop.accessToken);
    const phone = collect(phoneClient, 'subscription { myOrderUpdates { id } }');
    const other = collect(laptopClient, 'subscription { myOrderUpdates { id } }');
    // Both are streaming: an order of the user reaches both.
    await credit(user.accessToken, 'USDT', '100');
    await placeOrder(laptop.accessToken, { market: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', quantity: '0.01', clientOrderId: `live-${randomUUID()}` });
    await phone.waitFor(1);
    await other.waitFor(1);

    expect((await gql('mutation { logout }', {}, { token: user.accessToken })).data?.logout).toBe(true);
    await phone.waitFor(2, 15000).catch(() => undefined);
    expect((phone.error as { code?: number } | undefined)?.code).toBe(4403);
    // The laptop still hears its orders.
    await placeOrder(laptop.accessToken, { market: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', quantity: '0.01', clientOrderId: `live-${randomUUID()}` });
    await other.waitFor(2);
    expect(other.error).toBeUndefined();
    await phoneClient.dispose();
    await laptopClient.dispose();
  });

  it('account security asks the database itself: a session ended there (and announced nowhere) can change nothing', async () => {
    const user = await account();
    // Ended behind the API's back, so no process has heard of it: only accounts' own check can refuse.
    await sql(`update accounts.sessions set revoked_at = now(), revoked_reason = 'test' where id = $1`, [user.sessionId]);
    const wallet = Wallet.createRandom();
    expect(codeOf(await gql(CREATE_KEY, {}, { token: user.accessToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(LINK_CHALLENGE, { a: wallet.address }, { token: user.accessToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(EMBEDDED, {}, { token: user.accessToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(ENROL, {}, { token: user.accessToken }))).toBe('UNAUTHENTICATED');
    expect(await keysOf(user.user.id)).toEqual([]);
    expect(await walletsOf(user.user.id)).toEqual([]);
  });
});
