import { createHash, randomUUID } from 'node:crypto';
import { gql, signUp, sql } from '../harness/client';

// Sessions: every sign-in is a session with a rotating refresh token; a refresh token works
// once, and a used one presented again ends its whole family.
const PASSWORD = 'correct horse battery staple';
const AUTH_FIELDS = 'accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt sessionId user { id }';
const LOGIN = `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { __typename ... on AuthPayload { ${AUTH_FIELDS} } } }`;
const REFRESH = `mutation ($token: String!) { refreshSession(refreshToken: $token) { ${AUTH_FIELDS} } }`;
const SESSIONS = '{ mySessions { edges { node { id createdAt lastUsedAt ip userAgent current } } pageInfo { hasNextPage } } }';

async function login(email: string, password = PASSWORD) {
  return gql(LOGIN, { email, password });
}

async function newAccount() {
  const email = `session-${randomUUID()}@example.com`;
  const result = await gql(
    `mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { ${AUTH_FIELDS} } }`,
    {
      email,
      password: PASSWORD,
    },
  );
  expect(result.errors).toBeUndefined();
  return { email, ...result.data.signUp };
}

const decodeClaims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

describe('sessions', () => {
  it('sign-up and login each return an ES256 access token naming its session and an opaque refresh token stored only hashed', async () => {
    const account = await newAccount();
    const header = JSON.parse(Buffer.from(account.accessToken.split('.')[0], 'base64url').toString());
    expect(header.alg).toBe('ES256');
    const claims = decodeClaims(account.accessToken);
    expect(claims.sid).toBe(account.sessionId);
    expect(claims.exp - claims.iat).toBe(15 * 60);
    expect(account.refreshToken.length).toBeGreaterThanOrEqual(43);
    expect(new Date(account.refreshTokenExpiresAt).getTime()).toBeGreaterThan(Date.now() + 24 * 3600 * 1000);

    const stored = await sql(
      'select token_hash from accounts.refresh_tokens r join accounts.sessions s on s.id = r.session_id where s.user_id = $1',
      [account.user.id],
    );
    expect(stored).toHaveLength(1);
    expect(stored[0].token_hash).not.toContain(account.refreshToken);

    const second = await login(account.email);
    expect(second.data.login.__typename).toBe('AuthPayload');
    expect(second.data.login.sessionId).not.toBe(account.sessionId);
    expect((await gql('{ me { id } }', {}, { token: second.data.login.accessToken })).data.me.id).toBe(account.user.id);
  });

  it('a wrong password or an unknown email gets one UNAUTHENTICATED answer and no session', async () => {
    const account = await newAccount();
    const wrong = await login(account.email, 'not the password at all');
    const unknown = await login(`nobody-${randomUUID()}@example.com`);
    expect(wrong.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(unknown.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(wrong.errors?.[0].message).toBe(unknown.errors?.[0].message);
    expect(await sql('select id from accounts.sessions where user_id = $1', [account.user.id])).toHaveLength(1);
  });

  it('refreshSession rotates: the new pair works, the old refresh token is spent', async () => {
    const account = await newAccount();
    const refreshed = await gql(REFRESH, { token: account.refreshToken });
    expect(refreshed.errors).toBeUndefined();
    const next = refreshed.data.refreshSession;
    expect(next.sessionId).toBe(account.sessionId);
    expect(next.refreshToken).not.toBe(account.refreshToken);
    expect((await gql('{ me { id } }', {}, { token: next.accessToken })).data.me.id).toBe(account.user.id);
    // And the new refresh token refreshes again.
    const again = await gql(REFRESH, { token: next.refreshToken });
    expect(again.errors).toBeUndefined();
    expect(again.data.refreshSession.sessionId).toBe(account.sessionId);
  });

  it('a reused refresh token revokes its whole family: the thief and the owner are both out', async () => {
    const account = await newAccount();
    const owner = (await gql(REFRESH, { token: account.refreshToken })).data.refreshSession;

    // Someone replays the first token.
    const replay = await gql(REFRESH, { token: account.refreshToken });
    expect(replay.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(replay.data).toBeNull();

    // The owner's current token, never used, no longer works either.
    const ownerRefresh = await gql(REFRESH, { token: owner.refreshToken });
    expect(ownerRefresh.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const [session] = await sql('select revoked_at, revoked_reason from accounts.sessions where id = $1', [account.sessionId]);
    expect(session.revoked_reason).toBe('refresh-token-reuse');
    expect(session.revoked_at).not.toBeNull();
    // The session is gone from the owner's list (asked from another session of theirs).
    const other = (await login(account.email)).data.login;
    const ids = (await gql(SESSIONS, {}, { token: other.accessToken })).data.mySessions.edges.map((e: any) => e.node.id);
    expect(ids).not.toContain(account.sessionId);
  });

  it('two refreshes racing with one token: at most one wins, and the loser counts as reuse', async () => {
    const account = await newAccount();
    const results = await Promise.all([gql(REFRESH, { token: account.refreshToken }), gql(REFRESH, { token: account.refreshToken })]);
    const winners = results.filter((r) => r.data?.refreshSession);
    expect(winners.length).toBeLessThanOrEqual(1);
    expect(results.filter((r) => r.errors?.[0].extensions?.code === 'UNAUTHENTICATED').length).toBeGreaterThanOrEqual(1);
    // Whoever won holds a dead family: the session was revoked as reused.
    for (const winner of winners)
      expect((await gql(REFRESH, { token: winner.data.refreshSession.refreshToken })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('garbage and unknown refresh tokens are refused and change nothing', async () => {
    // Other test files sign in at the same time, so "nothing" is checked on a bystander account
    // and on the garbage itself, not on a count of the whole table.
    const bystander = await newAccount();
    const rowsOf = (userId: string) =>
      sql(
        `select r.token_hash, r.spent_at, s.revoked_at from accounts.refresh_tokens r
           join accounts.sessions s on s.id = r.session_id where s.user_id = $1 order by r.token_hash`,
        [userId],
      );
    const before = await rowsOf(bystander.user.id);
    const garbage = ['', 'garbage', randomUUID(), 'x'.repeat(5000)];
    for (const token of garbage) {
      const result = await gql(REFRESH, { token });
      expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(await rowsOf(bystander.user.id)).toEqual(before);
    const hashes = garbage.map((token) => createHash('sha256').update(token, 'utf8').digest('hex'));
    expect(await sql('select token_hash from accounts.refresh_tokens where token_hash = any($1)', [hashes])).toEqual([]);
    // The bystander's own token still rotates.
    expect((await gql(REFRESH, { token: bystander.refreshToken })).data?.refreshSession.refreshToken).toEqual(expect.any(String));
  });

  it('lists my sessions with the current one marked, its address and user agent', async () => {
    const account = await newAccount();
    const second = (await login(account.email)).data.login;
    const result = await gql(SESSIONS, {}, { token: second.accessToken });
    expect(result.errors).toBeUndefined();
    const nodes = result.data.mySessions.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => n.id)).toEqual([second.sessionId, account.sessionId]);
    expect(nodes.map((n: any) => n.current)).toEqual([true, false]);
    expect(nodes[0].ip).toBe('127.0.0.1');
    expect(nodes[0].userAgent).toBeTruthy(); // Node's fetch sends one
    // Paging: one at a time.
    const page = await gql(
      '{ mySessions(first: 1) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
      {},
      { token: second.accessToken },
    );
    expect(page.data.mySessions.edges).toHaveLength(1);
    expect(page.data.mySessions.pageInfo.hasNextPage).toBe(true);
    const rest = await gql(
      'query ($after: String) { mySessions(first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage } } }',
      { after: page.data.mySessions.pageInfo.endCursor },
      { token: second.accessToken },
    );
    expect(rest.data.mySessions.edges[0].node.id).toBe(account.sessionId);
    expect(rest.data.mySessions.pageInfo.hasNextPage).toBe(false);
  });

  it('logout ends the current session: its refresh token stops working, the other session lives on', async () => {
    const account = await newAccount();
    const second = (await login(account.email)).data.login;
    const out = await gql('mutation { logout }', {}, { token: second.accessToken });
    expect(out.data.logout).toBe(true);
    expect((await gql(REFRESH, { token: second.refreshToken })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    // The logged-out access token cannot manage sessions any more.
    expect((await gql(SESSIONS, {}, { token: second.accessToken })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const still = await gql(SESSIONS, {}, { token: account.accessToken });
    expect(still.data.mySessions.edges.map((e: any) => e.node.id)).toEqual([account.sessionId]);
    expect((await gql(REFRESH, { token: account.refreshToken })).errors).toBeUndefined();
  });

  it('revokes my own other session; another user’s session is FORBIDDEN and unknown ids NOT_FOUND', async () => {
    const account = await newAccount();
    const laptop = (await login(account.email)).data.login;
    const revoke = 'mutation ($id: ID!) { revokeSession(id: $id) { id current } }';
    const done = await gql(revoke, { id: account.sessionId }, { token: laptop.accessToken });
    expect(done.data.revokeSession).toEqual({ id: account.sessionId, current: false });
    expect((await gql(REFRESH, { token: account.refreshToken })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    const stranger = await newAccount();
    const foreign = await gql(revoke, { id: laptop.sessionId }, { token: stranger.accessToken });
    expect(foreign.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql(REFRESH, { token: laptop.refreshToken })).errors).toBeUndefined(); // untouched

    for (const id of [randomUUID(), 'not-a-uuid']) {
      expect((await gql(revoke, { id }, { token: laptop.accessToken })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    }
    expect((await gql(revoke, { id: laptop.sessionId })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('the harness signUp still works and its token reads me', async () => {
    const user = await signUp();
    expect((await gql('{ me { id } }', {}, { token: user.token })).data.me.id).toBe(user.id);
  });
});
