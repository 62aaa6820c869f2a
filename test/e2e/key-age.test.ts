import path from 'node:path';
import { decodeProtectedHeader, type JWK } from 'jose';
import { gql, signUp } from '../harness/client';
import { ownSystem, startOwnSystem } from '../harness/env';

// Signing keys also rotate by age. A system of its own with a maximum key age of a few
// seconds: a sign-in after that age is signed by a new key, and the old key's tokens still work.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(920, 'keyage');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;
const ACCOUNTS = `http://127.0.0.1:${PORT_BASE + 1}`;
const MAX_AGE_SECONDS = 2;

describe('signing key rotation by age', () => {
  let system: any;

  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      services: ['accounts'],
      env: { SIGNING_KEY_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS) },
    });
  }, 90000);

  afterAll(async () => {
    await system?.stop();
  });

  it('signs with a new key once the active one is older than the maximum age; old tokens keep working', async () => {
    const first = await signUp(GATEWAY);
    const firstKid = decodeProtectedHeader(first.token).kid;
    expect((await gql('{ me { id } }', {}, { token: first.token, url: GATEWAY })).data.me.id).toBe(first.id);

    await new Promise((resolve) => setTimeout(resolve, (MAX_AGE_SECONDS + 1) * 1000));
    const second = await signUp(GATEWAY);
    const secondKid = decodeProtectedHeader(second.token).kid;
    expect(secondKid).not.toBe(firstKid);

    for (const user of [first, second]) {
      expect((await gql('{ me { id } }', {}, { token: user.token, url: GATEWAY })).data.me.id).toBe(user.id);
      expect((await gql('{ me { id } }', {}, { token: user.token, url: `${ACCOUNTS}/graphql` })).data.me.id).toBe(user.id);
    }
    const jwks = (await (await fetch(`${ACCOUNTS}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([firstKid, secondKid]));
  });
});
