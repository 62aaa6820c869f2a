import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { gql, sql } from '../harness/client';
import { subgraphUrl } from '../harness/env';

// TOTP two-factor authentication through the gateway: enrol, confirm, login with a challenge,
// single-use recovery codes, disable.
const PASSWORD = 'correct horse battery staple';
const LOGIN = `mutation ($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on AuthPayload { accessToken refreshToken user { id } }
    ... on TwoFactorChallenge { challenge expiresAt }
  }
}`;
const COMPLETE =
  'mutation ($challenge: String!, $code: String!) { completeLogin(challenge: $challenge, code: $code) { accessToken refreshToken sessionId user { id } } }';

/** A code for the time step `stepsAhead` from now: each step's code is accepted only once. */
const codeFor = (secret: string, stepsAhead = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + stepsAhead * 30_000 });

async function account() {
  const email = `2fa-${randomUUID()}@example.com`;
  const result = await gql(
    'mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { accessToken user { id } } }',
    {
      email,
      password: PASSWORD,
    },
  );
  return { email, token: result.data.signUp.accessToken as string, id: result.data.signUp.user.id as string };
}

async function withTwoFactor() {
  const user = await account();
  const enrol = await gql('mutation { enrolTwoFactor { secret otpauthUri } }', {}, { token: user.token });
  const { secret } = enrol.data.enrolTwoFactor;
  const confirmed = await gql(
    'mutation ($code: String!) { confirmTwoFactor(code: $code) { recoveryCodes } }',
    { code: codeFor(secret) },
    { token: user.token },
  );
  expect(confirmed.errors).toBeUndefined();
  return { ...user, secret, recoveryCodes: confirmed.data.confirmTwoFactor.recoveryCodes as string[] };
}

const twoFactorEnabled = async (token: string) => (await gql('{ me { twoFactorEnabled } }', {}, { token })).data.me.twoFactorEnabled;

describe('TOTP two-factor authentication', () => {
  it('enrols with an otpauth URI, refuses a wrong first code, and turns on with a right one, answering recovery codes stored only hashed', async () => {
    const user = await account();
    expect(await twoFactorEnabled(user.token)).toBe(false);
    const enrol = await gql('mutation { enrolTwoFactor { secret otpauthUri } }', {}, { token: user.token });
    const { secret, otpauthUri } = enrol.data.enrolTwoFactor;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Tradegraph');

    const wrong = await gql('mutation { confirmTwoFactor(code: "000000") { recoveryCodes } }', {}, { token: user.token });
    expect(wrong.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await twoFactorEnabled(user.token)).toBe(false);

    const confirmed = await gql(
      'mutation ($code: String!) { confirmTwoFactor(code: $code) { recoveryCodes } }',
      { code: codeFor(secret) },
      { token: user.token },
    );
    const codes: string[] = confirmed.data.confirmTwoFactor.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(await twoFactorEnabled(user.token)).toBe(true);
    const stored = await sql('select code_hash from accounts.recovery_codes where user_id = $1', [user.id]);
    expect(stored).toHaveLength(10);
    for (const code of codes) expect(stored.map((r) => r.code_hash).join(' ')).not.toContain(code);

    // On already: no second enrolment.
    expect((await gql('mutation { enrolTwoFactor { secret } }', {}, { token: user.token })).errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('login answers a challenge instead of tokens; completeLogin with a TOTP code answers the tokens', async () => {
    const user = await withTwoFactor();
    const login = (await gql(LOGIN, { email: user.email, password: PASSWORD })).data.login;
    expect(login.__typename).toBe('TwoFactorChallenge');
    expect(login.accessToken).toBeUndefined();
    expect(new Date(login.expiresAt).getTime()).toBeGreaterThan(Date.now());

    const wrong = await gql(COMPLETE, { challenge: login.challenge, code: '123456' });
    expect(wrong.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    const code = codeFor(user.secret, 1);
    const done = await gql(COMPLETE, { challenge: login.challenge, code });
    expect(done.errors).toBeUndefined();
    expect(done.data.completeLogin.user.id).toBe(user.id);
    expect((await gql('{ me { id } }', {}, { token: done.data.completeLogin.accessToken })).data.me.id).toBe(user.id);

    // The challenge is spent, and the same TOTP code is not accepted a second time.
    const again = await gql(COMPLETE, { challenge: login.challenge, code: user.recoveryCodes[0] });
    expect(again.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const second = (await gql(LOGIN, { email: user.email, password: PASSWORD })).data.login;
    const replay = await gql(COMPLETE, { challenge: second.challenge, code });
    expect(replay.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    // The refused attempts spent no recovery code.
    expect(
      (await sql('select count(*)::int as n from accounts.recovery_codes where user_id = $1 and used_at is null', [user.id]))[0].n,
    ).toBe(10);
  });

  it('a recovery code completes a login once', async () => {
    const user = await withTwoFactor();
    const [recovery] = user.recoveryCodes;
    const first = (await gql(LOGIN, { email: user.email, password: PASSWORD })).data.login;
    const ok = await gql(COMPLETE, { challenge: first.challenge, code: recovery.toUpperCase() });
    expect(ok.data.completeLogin.user.id).toBe(user.id);

    const second = (await gql(LOGIN, { email: user.email, password: PASSWORD })).data.login;
    const reused = await gql(COMPLETE, { challenge: second.challenge, code: recovery });
    expect(reused.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    // The challenge survives a wrong code: the next right one still works.
    const other = await gql(COMPLETE, { challenge: second.challenge, code: user.recoveryCodes[1] });
    expect(other.data.completeLogin.user.id).toBe(user.id);
  });

  it('a wrong password never reaches the second step, and a made-up challenge is refused', async () => {
    const user = await withTwoFactor();
    const wrong = await gql(LOGIN, { email: user.email, password: 'wrong password here' });
    expect(wrong.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const forged = await gql(COMPLETE, { challenge: 'made-up', code: codeFor(user.secret, 1) });
    expect(forged.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('disables with a code (a wrong one changes nothing); login then answers tokens again', async () => {
    const user = await withTwoFactor();
    const wrong = await gql('mutation { disableTwoFactor(code: "000000") }', {}, { token: user.token });
    expect(wrong.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await twoFactorEnabled(user.token)).toBe(true);

    const off = await gql(
      'mutation ($code: String!) { disableTwoFactor(code: $code) }',
      { code: user.recoveryCodes[2] },
      { token: user.token },
    );
    expect(off.data.disableTwoFactor).toBe(true);
    expect(await twoFactorEnabled(user.token)).toBe(false);
    expect(await sql('select 1 from accounts.recovery_codes where user_id = $1', [user.id])).toHaveLength(0);
    const login = (await gql(LOGIN, { email: user.email, password: PASSWORD })).data.login;
    expect(login.__typename).toBe('AuthPayload');
  });

  it('2FA state is private: another user reading it is FORBIDDEN, and 2FA mutations need a signed-in user', async () => {
    const user = await account();
    const other = await account();
    const peek = await gql(
      'query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { twoFactorEnabled } } }',
      { reps: [{ __typename: 'User', id: user.id }] },
      { token: other.token, url: `${subgraphUrl('accounts')}/graphql` },
    );
    expect(peek.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    for (const mutation of [
      'mutation { enrolTwoFactor { secret } }',
      'mutation { confirmTwoFactor(code: "123456") { recoveryCodes } }',
      'mutation { disableTwoFactor(code: "123456") }',
    ]) {
      expect((await gql(mutation)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});
