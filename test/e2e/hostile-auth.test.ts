import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { Wallet } from 'ethers';
import { credit, gql, placeOrder, signUp, sql, storedRowsOf, type TestUser } from '../harness/client';
import { GATEWAY_WS, INTERNAL_HEADERS, SUBGRAPH_PORT_OFFSET, subgraphUrl } from '../harness/env';
import { balancesOf, post, raw, stillServes, verdict, type RawAnswer } from '../harness/hostile';

// The authentication and authorization part of the hostile-input suite (issue 18): forged,
// tampered, expired, misplaced and ended credentials; API keys abused; internal surfaces called
// from outside; and one user going after another's objects, or after staff powers. Every case
// must be refused cleanly (JSON, no 5xx, the expected code, nothing of the inside, no data), and
// after each category the system still answers and nobody's balances or records moved.

const PASSWORD = 'correct horse battery staple';
const ME = '{ me { id email } }';
const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

let alice: TestUser;
let bob: TestUser;
let aliceBalances: Record<string, string>;
let bobBalances: Record<string, string>;
let aliceRows: unknown;

/** After a category: the system answers and nobody's balances or records changed. */
async function unharmed(): Promise<void> {
  await stillServes(bob.token);
  expect(await balancesOf(alice.token)).toEqual(aliceBalances);
  expect(await balancesOf(bob.token)).toEqual(bobBalances);
  expect(await storedRowsOf(alice.id)).toEqual(aliceRows);
}

const alices: Record<string, string> = {};

beforeAll(async () => {
  alice = await signUp();
  bob = await signUp();
  for (const user of [alice, bob]) {
    await credit(user.token, 'USDT', '1000');
    await credit(user.token, 'BTC', '1');
  }
  alices.clientOrderId = `alice-${randomUUID()}`;
  alices.orderId = await placeOrder(alice.token, { market: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', quantity: '0.01', clientOrderId: alices.clientOrderId });
  const login = await gql(
    'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on AuthPayload { sessionId } } }',
    { e: alice.email, p: PASSWORD },
  );
  alices.sessionId = login.data.login.sessionId;
  alices.apiKeyId = (await gql('mutation { createApiKey(input: { label: "alice", scopes: [read] }) { apiKey { id } } }', {}, { token: alice.token })).data
    .createApiKey.apiKey.id;
  const wallet = Wallet.createRandom();
  const message = (await gql('mutation ($a: String!) { walletLinkChallenge(address: $a) { message } }', { a: wallet.address }, { token: alice.token })).data
    .walletLinkChallenge.message;
  alices.wallet = (
    await gql('mutation ($m: String!, $s: String!) { linkWallet(message: $m, signature: $s) { address } }', { m: message, s: await wallet.signMessage(message) }, { token: alice.token })
  ).data.linkWallet.address;
  alices.alertId = (await gql('mutation { createPriceAlert(market: "BTC-USDT", condition: above, price: "1000000") { id } }', {}, { token: alice.token })).data
    .createPriceAlert.id;
  aliceBalances = await balancesOf(alice.token);
  bobBalances = await balancesOf(bob.token);
  aliceRows = await storedRowsOf(alice.id);
});

/** Signs `claims` as a token of the system would be, with `key` (the real one, or an impostor's). */
async function token(claims: Record<string, unknown>, key: { kid: string; jwk: JWK }, options: { expiresIn?: number; issuer?: string; audience?: string; alg?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'ES256', kid: key.kid, typ: 'JWT' }).setIssuedAt(now - 10);
  if (options.issuer !== '') jwt = jwt.setIssuer(options.issuer ?? 'tradegraph-accounts');
  if (options.audience !== '') jwt = jwt.setAudience(options.audience ?? 'tradegraph');
  jwt = jwt.setExpirationTime(now + (options.expiresIn ?? 600));
  return jwt.sign(await importJWK(key.jwk, options.alg ?? 'ES256'));
}

describe('authentication', () => {
  let realKey: { kid: string; jwk: JWK };
  let impostor: { kid: string; jwk: JWK };
  let loggedOut: string;
  let reused: string;
  let revokedKey: string;
  let expiredKey: string;
  let fencedKey: string;

  beforeAll(async () => {
    const [row] = await sql('select kid, private_jwk from accounts.signing_keys where retired_at is null order by created_at desc limit 1');
    realKey = { kid: row.kid, jwk: row.private_jwk };
    const pair = await generateKeyPair('ES256', { extractable: true });
    impostor = { kid: row.kid, jwk: await exportJWK(pair.privateKey) };
    // A session that logged out, and one ended by a reused refresh token.
    const victim = await signUp();
    const out = await gql(
      'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on AuthPayload { accessToken } } }',
      { e: victim.email, p: PASSWORD },
    );
    loggedOut = out.data.login.accessToken;
    await gql('mutation { logout }', {}, { token: loggedOut });
    const family = await gql(
      'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on AuthPayload { accessToken refreshToken } } }',
      { e: victim.email, p: PASSWORD },
    );
    const refresh = 'mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken } }';
    reused = (await gql(refresh, { t: family.data.login.refreshToken })).data.refreshSession.accessToken;
    await gql(refresh, { t: family.data.login.refreshToken });
    // API keys: revoked, expired, and one fenced to an address the caller does not have.
    const keyOf = async (input: Record<string, unknown>) =>
      (await gql('mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }', { input: { label: 'h', scopes: ['read', 'trade'], ...input } }, { token: victim.token })).data
        .createApiKey;
    const revoked = await keyOf({});
    await gql('mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: revoked.apiKey.id }, { token: victim.token });
    revokedKey = revoked.secret;
    const expired = await keyOf({ expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    await sql(`update accounts.api_keys set expires_at = now() - interval '1 second' where id = $1`, [expired.apiKey.id]);
    expiredKey = expired.secret;
    fencedKey = (await keyOf({ ipAllowList: ['203.0.113.0/24'] })).secret;
  });

  const forged: [string, () => Promise<string>][] = [
    ['alg none', async () => `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: alice.id, roles: ['admin'], iss: 'tradegraph-accounts', aud: 'tradegraph', exp: 9999999999 })}.`],
    ['alg none, empty signature claimed admin', async () => `${enc({ alg: 'none' })}.${enc({ sub: alice.id, roles: ['admin'] })}.`],
    [
      'HS256 signed with the public key (key confusion)',
      async () => {
        const jwks = (await (await fetch(`${subgraphUrl('accounts')}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
        const secret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
        return new SignJWT({ sub: alice.id, roles: ['admin'] })
          .setProtectedHeader({ alg: 'HS256', kid: jwks.keys[0].kid })
          .setIssuer('tradegraph-accounts')
          .setAudience('tradegraph')
          .setExpirationTime('5m')
          .sign(secret);
      },
    ],
    ['signed by an impostor key under a real kid', async () => token({ sub: alice.id, roles: ['admin'] }, impostor)],
    ['unknown kid', async () => token({ sub: alice.id, roles: ['user'] }, { ...impostor, kid: randomUUID() })],
    ['expired', async () => token({ sub: alice.id, roles: ['user'] }, realKey, { expiresIn: -60 })],
    ['wrong issuer', async () => token({ sub: alice.id, roles: ['user'] }, realKey, { issuer: 'someone-else' })],
    ['no issuer', async () => token({ sub: alice.id, roles: ['user'] }, realKey, { issuer: '' })],
    ['wrong audience', async () => token({ sub: alice.id, roles: ['user'] }, realKey, { audience: 'another-app' })],
    ['no audience', async () => token({ sub: alice.id, roles: ['user'] }, realKey, { audience: '' })],
    ['no subject', async () => token({ roles: ['user'] }, realKey)],
    [
      'payload swapped under a valid signature',
      async () => {
        const [head, , signature] = bob.token.split('.');
        return `${head}.${enc({ ...JSON.parse(Buffer.from(bob.token.split('.')[1], 'base64url').toString()), sub: alice.id })}.${signature}`;
      },
    ],
    [
      'signature flipped',
      async () => {
        const [head, payload, signature] = bob.token.split('.');
        return `${head}.${payload}.${signature.slice(0, 5)}${signature[5] === 'A' ? 'B' : 'A'}${signature.slice(6)}`;
      },
    ],
    ['signature cut off', async () => bob.token.split('.').slice(0, 2).join('.') + '.'],
    ['two dots only', async () => '..'],
    ['not base64', async () => '%%%.%%%.%%%'],
    ['a JSON object', async () => JSON.stringify({ sub: alice.id })],
    ['NUL inside', async () => `${bob.token.slice(0, 20)}\u0001${bob.token.slice(20)}`],
    ['8 KB of junk', async () => 'a'.repeat(8000)],
    ['a logged-out session', async () => loggedOut],
    ['a session ended by refresh-token reuse', async () => reused],
  ];

  it.each(forged)('refuses a token that is %s: UNAUTHENTICATED, no data', async (_name, make) => {
    const jwt = await make();
    for (const query of [ME, '{ myBalances { asset available } }', 'mutation { createApiKey(input: { label: "x", scopes: [read] }) { secret } }']) {
      // A header with characters fetch refuses to send is itself refused client-side: nothing to test there.
      let answer: RawAnswer;
      try {
        answer = await post({ query }, jwt);
      } catch {
        continue;
      }
      expect(verdict(answer, { codes: ['UNAUTHENTICATED'] })).toEqual([]);
    }
  });

  const headers: [string, Record<string, string>][] = [
    ['Bearer with nothing', { authorization: 'Bearer' }],
    ['Bearer and spaces', { authorization: 'Bearer    ' }],
    ['Basic credentials', { authorization: `Basic ${Buffer.from(`someone@example.com:${PASSWORD}`).toString('base64')}` }],
    ['two tokens', { authorization: 'Bearer a.b.c Bearer d.e.f' }],
    ['a token without the scheme', { authorization: 'eyJhbGciOiJFUzI1NiJ9.e30.sig' }],
    ['Token scheme', { authorization: 'Token abc' }],
    ['an empty API key', { 'x-api-key': '' }],
    ['a garbage API key', { 'x-api-key': 'garbage' }],
    ['an API key of the right shape that does not exist', { 'x-api-key': `tgk_${'A'.repeat(43)}` }],
    ['an API key with SQL in it', { 'x-api-key': "tgk_' or 1=1 --" }],
    ['an API key 8 KB long', { 'x-api-key': `tgk_${'x'.repeat(8000)}` }],
  ];

  it.each(headers)('refuses %s: UNAUTHENTICATED', async (_name, extra) => {
    const answer = await raw(JSON.stringify({ query: ME }), { 'content-type': 'application/json', ...extra });
    // An empty x-api-key is no credential at all: then `me` itself refuses the anonymous caller.
    expect(verdict(answer, { codes: ['UNAUTHENTICATED'] })).toEqual([]);
  });

  it('refuses revoked, expired and fenced API keys, and a key beside a token', async () => {
    for (const key of [revokedKey, expiredKey, fencedKey]) {
      const answer = await raw(JSON.stringify({ query: ME }), { 'content-type': 'application/json', 'x-api-key': key });
      expect(verdict(answer, { codes: ['UNAUTHENTICATED'] })).toEqual([]);
    }
    // The fence cannot be passed by claiming an address: the gateway believes only its socket here.
    for (const forwarded of ['203.0.113.7', '203.0.113.7, 127.0.0.1', '127.0.0.1, 203.0.113.7']) {
      const answer = await raw(JSON.stringify({ query: ME }), { 'content-type': 'application/json', 'x-api-key': fencedKey, 'x-forwarded-for': forwarded, forwarded: 'for=203.0.113.7' });
      expect(verdict(answer, { codes: ['UNAUTHENTICATED'] })).toEqual([]);
    }
    const both = await raw(JSON.stringify({ query: ME }), { 'content-type': 'application/json', 'x-api-key': fencedKey, authorization: `Bearer ${bob.token}` });
    expect(verdict(both, { codes: ['UNAUTHENTICATED'] })).toEqual([]);
  });

  it('a token in the URL, the body or a cookie is no credential', async () => {
    const answers = [
      await raw(undefined, {}, { method: 'GET', path: `/graphql?query=${encodeURIComponent(ME)}&access_token=${bob.token}` }),
      await raw(JSON.stringify({ query: ME, extensions: { authorization: `Bearer ${bob.token}` } }), { 'content-type': 'application/json' }),
      await raw(JSON.stringify({ query: ME }), { 'content-type': 'application/json', cookie: `token=${bob.token}; authorization=Bearer ${bob.token}` }),
    ];
    for (const answer of answers) expect(verdict(answer, { codes: ['UNAUTHENTICATED', 'BAD_REQUEST'] })).toEqual([]);
  });

  it('a graphql-ws connection_init with a bad or ended token is closed with 4403', async () => {
    const WebSocket = (await import('ws')).default;
    const tokens = [loggedOut, reused, await forged[3][1](), await forged[5][1](), 'garbage'];
    for (const jwt of tokens) {
      const code = await new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(GATEWAY_WS, 'graphql-transport-ws');
        socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${jwt}` } })));
        socket.once('close', (closeCode) => resolve(closeCode));
        socket.once('error', reject);
      });
      expect(code).toBe(4403);
    }
  });

  it('leaves the system serving and nobody’s data changed', unharmed);
});

describe('internal surfaces from outside', () => {
  const SUBGRAPHS = Object.keys(SUBGRAPH_PORT_OFFSET) as (keyof typeof SUBGRAPH_PORT_OFFSET)[];
  const spoofs: [string, Record<string, string>][] = [
    ['no credential', {}],
    ['an empty credential', { 'x-internal-token': '' }],
    ['a wrong credential', { 'x-internal-token': 'x'.repeat(43) }],
    ['the credential with a byte changed', { 'x-internal-token': `${INTERNAL_HEADERS['x-internal-token'].slice(0, -1)}${INTERNAL_HEADERS['x-internal-token'].endsWith('A') ? 'B' : 'A'}` }],
    ['a forwarded-for claim', { 'x-forwarded-for': '127.0.0.1' }],
  ];
  const cases = SUBGRAPHS.flatMap((subgraph) => spoofs.map(([name, headers]) => [`${subgraph}, ${name}`, subgraph, headers] as const));

  it.each(cases)('a subgraph called directly (%s) answers 401 JSON and runs nothing', async (_name, subgraph, headers) => {
    const entities = JSON.stringify({
      query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }',
      variables: { r: [{ __typename: 'User', id: alice.id }] },
    });
    const answer = await raw(entities, { 'content-type': 'application/json', authorization: `Bearer ${alice.token}`, ...headers }, { url: `${subgraphUrl(subgraph)}/graphql` });
    expect(verdict(answer, { codes: ['UNAUTHENTICATED'], statuses: [401] })).toEqual([]);
  });

  it('the API-key exchange does not answer an outsider who names the address the key is fenced to', async () => {
    const answer = await raw(JSON.stringify({ apiKey: `tgk_${'A'.repeat(43)}`, ip: '203.0.113.7' }), { 'content-type': 'application/json' }, { url: `${subgraphUrl('accounts')}/internal/api-keys/exchange` });
    expect(answer.status).toBe(401);
    expect(answer.text).not.toMatch(/accessToken/);
  });
});

describe('authorization', () => {
  const AS_BOB: [string, string, Record<string, unknown>][] = [
    ["reads Alice's order", 'query ($id: ID!) { order(id: $id) { id price user { id } } }', {}],
    ["cancels Alice's order by id", 'mutation ($id: ID!) { cancelOrder(id: $id) { id status } }', {}],
    ["cancels Alice's order by her client order id", 'mutation ($c: String!) { cancelOrder(clientOrderId: $c) { id status } }', {}],
    ["amends Alice's order", 'mutation ($id: ID!) { amendOrder(id: $id, price: "101") { id price } }', {}],
    ["revokes Alice's session", 'mutation ($s: ID!) { revokeSession(id: $s) { id } }', {}],
    ["revokes Alice's API key", 'mutation ($k: ID!) { revokeApiKey(id: $k) { id revokedAt } }', {}],
    ["unlinks Alice's wallet", 'mutation ($w: String!) { unlinkWallet(address: $w) { address } }', {}],
    ["links Alice's wallet with its own challenge", 'mutation ($w: String!) { linkWallet(message: $w, signature: "0x00") { address } }', {}],
    ['lists users (support/admin only)', '{ users { edges { node { id email } } } }', {}],
    ["reads Alice by id (support/admin only)", 'query ($u: ID!) { user(id: $u) { id email kyc { status } } }', {}],
    ['reads the audit log (admin only)', '{ auditLog { edges { node { id action } } } }', {}],
    ['makes itself admin', 'mutation ($me: ID!) { setUserRoles(userId: $me, roles: [user, admin]) { roles } }', {}],
    ["sets Alice's roles", 'mutation ($u: ID!) { setUserRoles(userId: $u, roles: [user]) { roles } }', {}],
    ["reviews Alice's KYC", 'mutation ($u: ID!) { reviewKyc(userId: $u, decision: approved, level: 2, reason: "x") { __typename } }', {}],
    ['rotates the signing key', 'mutation { rotateSigningKey { kid } }', {}],
    ['re-encrypts KYC data', 'mutation { reencryptKycData }', {}],
    ['lists a market', 'mutation { addMarket(input: { base: "BTC", quote: "EUR", category: crypto, tickSize: "1", lotSize: "0.01", minNotional: "1", referencePrice: "100" }) { symbol } }', {}],
    ['suspends a market', 'mutation { suspendMarket(symbol: "BTC-USDT") { status } }', {}],
    ['resumes a market', 'mutation { resumeMarket(symbol: "BTC-USDT") { status } }', {}],
  ];

  // Someone else's order is UNKNOWN_ORDER, exactly as one that does not exist (no existence oracle).
  const REFUSED = ['FORBIDDEN', 'NOT_FOUND', 'UNKNOWN_ORDER', 'BAD_USER_INPUT', 'CONFLICT'];
  const variablesFor = () => ({
    id: alices.orderId,
    c: alices.clientOrderId,
    s: alices.sessionId,
    k: alices.apiKeyId,
    w: alices.wallet,
    u: alice.id,
    me: bob.id,
  });

  it.each(AS_BOB)('Bob %s: refused, no data', async (_name, query) => {
    const all = variablesFor();
    const used = Object.fromEntries(Object.entries(all).filter(([name]) => query.includes(`$${name}`)));
    const answer = await post({ query, variables: used }, bob.token);
    expect(verdict(answer, { codes: REFUSED })).toEqual([]);
    expect(answer.text).not.toContain(alice.email);
  });

  it.each(AS_BOB)('an API key of Bob with every scope %s: refused, no data', async (_name, query) => {
    const secret = (await gql('mutation { createApiKey(input: { label: "all", scopes: [read, trade, withdraw] }) { secret } }', {}, { token: bob.token })).data?.createApiKey.secret;
    const all = variablesFor();
    const used = Object.fromEntries(Object.entries(all).filter(([name]) => query.includes(`$${name}`)));
    const answer = await raw(JSON.stringify({ query, variables: used }), { 'content-type': 'application/json', 'x-api-key': secret });
    expect(verdict(answer, { codes: REFUSED })).toEqual([]);
    // Keys are capped per user: give this one back.
    await sql(`update accounts.api_keys set revoked_at = now() where user_id = $1 and label = 'all'`, [bob.id]);
  });

  it('a token forged to say admin (impostor key) gets no staff power', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const [row] = await sql('select kid from accounts.signing_keys where retired_at is null order by created_at desc limit 1');
    const forged = await token({ sub: bob.id, roles: ['admin', 'support'] }, { kid: row.kid, jwk: await exportJWK(pair.privateKey) });
    for (const query of ['{ users { edges { node { id } } } }', '{ auditLog { edges { node { id } } } }', 'mutation { suspendMarket(symbol: "BTC-USDT") { status } }']) {
      expect(verdict(await post({ query }, forged), { codes: ['UNAUTHENTICATED'] })).toEqual([]);
    }
  });

  it('support may read users but not act as admin', async () => {
    const { userWithRoles } = await import('../harness/roles');
    const support = await userWithRoles(['user', 'support'], 'hostile-support');
    for (const query of [
      `mutation { setUserRoles(userId: "${support.id}", roles: [user, support, admin]) { roles } }`,
      '{ auditLog { edges { node { id } } } }',
      'mutation { suspendMarket(symbol: "BTC-USDT") { status } }',
      'mutation { rotateSigningKey { kid } }',
      `mutation { reviewKyc(userId: "${alice.id}", decision: approved, level: 2, reason: "x") { __typename } }`,
    ]) {
      expect(verdict(await post({ query }, support.token), { codes: ['FORBIDDEN'] })).toEqual([]);
    }
  });

  it('leaves the system serving and nobody’s data changed', unharmed);
});
