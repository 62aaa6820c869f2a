import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Secret, TOTP } from 'otpauth';
import { gql } from '../harness/client';
import { REDIS_URL, ownSystem, startOwnSystem } from '../harness/env';

// Brute-force protection needs low limits to test, so it runs on a system of its own: the
// shared system keeps the defaults that ordinary test traffic never reaches.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(900, 'ratelimits');
const URL = `http://127.0.0.1:${PORT_BASE}/graphql`;
const PER_ACCOUNT = 3;
const PER_IP = 12;
const PASSWORD = 'correct horse battery staple';
const LOGIN =
  'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { __typename ... on TwoFactorChallenge { challenge } ... on AuthPayload { accessToken } } }';

async function account() {
  const email = `limits-${randomUUID()}@example.com`;
  const result = await gql(
    'mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { accessToken user { id } } }',
    { email, password: PASSWORD },
    { url: URL },
  );
  return { email, token: result.data.signUp.accessToken as string, id: result.data.signUp.user.id as string };
}

/** A login as a client that claims to be someone else with X-Forwarded-For (the gateway must not believe it). */
async function loginAs(email: string, password: string, forwardedFor = `203.0.113.${Math.floor(Math.random() * 250) + 1}`) {
  const response = await fetch(URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ query: LOGIN, variables: { email, password } }),
  });
  return (await response.json()) as any;
}

const codeOf = (result: any) => result.errors?.[0]?.extensions?.code;

describe('brute-force protection', () => {
  let system: any;
  let redis: Redis;

  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      services: ['accounts'],
      env: {
        RATE_LIMIT_LOGIN_PER_ACCOUNT: String(PER_ACCOUNT),
        RATE_LIMIT_LOGIN_PER_IP: String(PER_IP),
        RATE_LIMIT_TWO_FACTOR_PER_ACCOUNT: String(PER_ACCOUNT),
        RATE_LIMIT_LOGIN_WINDOW_SECONDS: '600',
      },
    });
    redis = new Redis(REDIS_URL);
    // Counters of an earlier run of this test (same namespace) must not leak into this one.
    const stale = await redis.keys(`${DATABASE}:accounts.attempts.*`);
    if (stale.length > 0) await redis.del(...stale);
  }, 90000);

  afterAll(async () => {
    await redis?.quit();
    await system?.stop();
  });

  it('locks an account after its allowed failed logins, with RATE_LIMITED and a retry-after, even for the right password', async () => {
    const user = await account();
    for (let i = 0; i < PER_ACCOUNT; i++) expect(codeOf(await loginAs(user.email, 'wrong password here'))).toBe('UNAUTHENTICATED');
    const locked = await loginAs(user.email, PASSWORD);
    expect(codeOf(locked)).toBe('RATE_LIMITED');
    expect(locked.data).toBeNull();
    const retryAfter = locked.errors[0].extensions.retryAfterSeconds;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    // The counters live in Redis, inside this system's namespace.
    expect(await redis.exists(`${DATABASE}:accounts.attempts.login.account:${user.email}`)).toBe(1);
    // Another account from the same address is not locked by it.
    const other = await account();
    expect((await loginAs(other.email, PASSWORD)).data.login.__typename).toBe('AuthPayload');
    // Nor is the locked account's existing session touched.
    expect((await gql('{ me { id } }', {}, { token: user.token, url: URL })).data.me.id).toBe(user.id);
  });

  it('a successful login clears the account’s failures', async () => {
    const user = await account();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < PER_ACCOUNT - 1; i++) expect(codeOf(await loginAs(user.email, 'wrong password here'))).toBe('UNAUTHENTICATED');
      expect((await loginAs(user.email, PASSWORD)).data.login.__typename).toBe('AuthPayload');
    }
  });

  it('limits second-factor guesses per account: after the allowed failures even the right code is refused', async () => {
    const user = await account();
    const secret = (await gql('mutation { enrolTwoFactor { secret } }', {}, { token: user.token, url: URL })).data.enrolTwoFactor.secret;
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    await gql(
      'mutation ($code: String!) { confirmTwoFactor(code: $code) { recoveryCodes } }',
      { code: totp.generate() },
      { token: user.token, url: URL },
    );
    const challenge = (await loginAs(user.email, PASSWORD)).data.login.challenge;
    const complete = (code: string) =>
      gql(
        'mutation ($challenge: String!, $code: String!) { completeLogin(challenge: $challenge, code: $code) { accessToken } }',
        { challenge, code },
        { url: URL },
      );
    for (let i = 0; i < PER_ACCOUNT; i++) expect(codeOf(await complete('000000'))).toBe('UNAUTHENTICATED');
    const limited = await complete(totp.generate({ timestamp: Date.now() + 30_000 }));
    expect(codeOf(limited)).toBe('RATE_LIMITED');
    expect(limited.errors[0].extensions.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('limits failures per client address, whatever X-Forwarded-For the client claims', async () => {
    // Failures spread over many accounts, each below its own limit, each request claiming
    // another address: the gateway counts them all against the socket's address.
    let limitedAfter = -1;
    for (let i = 0; i < PER_IP + 1 && limitedAfter < 0; i++) {
      const result = await loginAs(`nobody-${randomUUID()}@example.com`, 'wrong password here');
      if (codeOf(result) === 'RATE_LIMITED') limitedAfter = i;
      else expect(codeOf(result)).toBe('UNAUTHENTICATED');
    }
    expect(limitedAfter).toBeGreaterThanOrEqual(0);
    expect(limitedAfter).toBeLessThanOrEqual(PER_IP);
    // A fresh account with no failures of its own is now refused too: the address is blocked.
    const fresh = await account();
    expect(codeOf(await loginAs(fresh.email, PASSWORD))).toBe('RATE_LIMITED');
    expect(await redis.exists(`${DATABASE}:accounts.attempts.login.ip:127.0.0.1`)).toBe(1);
  });
});
