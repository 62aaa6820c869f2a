import { randomUUID } from 'node:crypto';
import { ownSystem, startOwnSystem } from '../harness/env';

// Failed logins lock the account for the address that failed, not for its owner elsewhere
// (subgraphs/accounts/src/domain/attempts.ts); only a guesser spread over many addresses reaches
// the account's ceiling. Sign-ups are limited per address. Clients here are told apart by
// X-Forwarded-For, which this system's gateway believes from loopback (TRUSTED_PROXIES), as it
// would from a load balancer in front of it.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(1700, 'lockout');
const URL = `http://127.0.0.1:${PORT_BASE}/graphql`;
const PER_ACCOUNT_IP = 3;
const PER_ACCOUNT = 7;
const SIGNUPS_PER_IP = 4;
const PASSWORD = 'correct horse battery staple';

async function from(ip: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as any;
}

const SIGN_UP = 'mutation ($e: String!, $p: String!) { signUp(email: $e, password: $p) { accessToken } }';
const LOGIN = 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { __typename } }';
const codeOf = (result: any) => result.errors?.[0]?.extensions?.code ?? result.data?.login?.__typename ?? (result.data ? 'OK' : undefined);
let addresses = 0;
/** A fresh client address (TEST-NET-3), so no test shares a per-address counter with another. */
const newIp = () => `203.0.113.${(addresses += 1)}`;

async function account(): Promise<string> {
  const email = `lockout-${randomUUID()}@example.com`;
  expect(codeOf(await from(newIp(), SIGN_UP, { e: email, p: PASSWORD }))).toBe('OK');
  return email;
}

describe('login lockout and sign-up limits', () => {
  let system: any;

  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      services: ['accounts'],
      env: {
        TRUSTED_PROXIES: 'loopback',
        RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: String(PER_ACCOUNT_IP),
        RATE_LIMIT_LOGIN_PER_ACCOUNT: String(PER_ACCOUNT),
        RATE_LIMIT_SIGNUP_PER_IP: String(SIGNUPS_PER_IP),
      },
    });
  }, 200000);

  afterAll(async () => {
    await system?.stop();
  });

  it('a guesser locks the account only for its own address: the owner signs in from elsewhere', async () => {
    const email = await account();
    const attacker = newIp();
    for (let i = 0; i < PER_ACCOUNT_IP; i++) expect(codeOf(await from(attacker, LOGIN, { e: email, p: 'wrong password here' }))).toBe('UNAUTHENTICATED');
    // The guesser is out, even with the right password…
    const locked = await from(attacker, LOGIN, { e: email, p: PASSWORD });
    expect(codeOf(locked)).toBe('RATE_LIMITED');
    expect(locked.errors[0].extensions.retryAfterSeconds).toBeGreaterThan(0);
    // …and keeps being refused without using up the account's allowance from everywhere.
    for (let i = 0; i < PER_ACCOUNT; i++) expect(codeOf(await from(attacker, LOGIN, { e: email, p: 'wrong password here' }))).toBe('RATE_LIMITED');
    // The owner is not.
    expect(codeOf(await from(newIp(), LOGIN, { e: email, p: PASSWORD }))).toBe('AuthPayload');
  });

  it('guesses spread over many addresses reach the account’s ceiling (the documented trade-off)', async () => {
    const email = await account();
    let failures = 0;
    while (failures < PER_ACCOUNT) {
      const ip = newIp();
      for (let i = 0; i < PER_ACCOUNT_IP - 1 && failures < PER_ACCOUNT; i++, failures++) {
        expect(codeOf(await from(ip, LOGIN, { e: email, p: 'wrong password here' }))).toBe('UNAUTHENTICATED');
      }
    }
    expect(codeOf(await from(newIp(), LOGIN, { e: email, p: PASSWORD }))).toBe('RATE_LIMITED');
  });

  it('a success clears the account’s failures from that address and from everywhere', async () => {
    const email = await account();
    const ip = newIp();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < PER_ACCOUNT_IP - 1; i++) expect(codeOf(await from(ip, LOGIN, { e: email, p: 'wrong password here' }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await from(ip, LOGIN, { e: email, p: PASSWORD }))).toBe('AuthPayload');
    }
  });

  it('limits sign-ups per address, taken emails included; other addresses are unaffected', async () => {
    const ip = newIp();
    const taken = await account();
    for (let i = 0; i < SIGNUPS_PER_IP - 1; i++) expect(codeOf(await from(ip, SIGN_UP, { e: `s-${randomUUID()}@example.com`, p: PASSWORD }))).toBe('OK');
    // Probing a taken email costs a sign-up too.
    expect(codeOf(await from(ip, SIGN_UP, { e: taken, p: PASSWORD }))).toBe('CONFLICT');
    const limited = await from(ip, SIGN_UP, { e: `s-${randomUUID()}@example.com`, p: PASSWORD });
    expect(codeOf(limited)).toBe('RATE_LIMITED');
    expect(limited.errors[0].extensions.retryAfterSeconds).toBeGreaterThan(0);
    expect(codeOf(await from(ip, SIGN_UP, { e: taken, p: PASSWORD }))).toBe('RATE_LIMITED');
    expect(codeOf(await from(newIp(), SIGN_UP, { e: `s-${randomUUID()}@example.com`, p: PASSWORD }))).toBe('OK');
  });
});
