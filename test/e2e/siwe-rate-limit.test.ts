import path from 'node:path';
import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { gql } from '../harness/client';
import { ownSystem, startOwnSystem } from '../harness/env';

// SIWE attempts are rate-limited per wallet (and per IP): a system of its own with a small
// per-wallet budget, so the limit is reached in a few requests.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(70, 'siwelimit');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;
const SIGN_IN =
  'mutation ($m: String!, $s: String!) { signInWithEthereum(message: $m, signature: $s) { ... on AuthPayload { user { id } } } }';

async function message(wallet: Wallet): Promise<string> {
  const c = (await gql('mutation { siweNonce { nonce domain uri chainIds } }', {}, { url: GATEWAY })).data.siweNonce;
  return new SiweMessage({
    domain: c.domain,
    address: wallet.address,
    uri: c.uri,
    version: '1',
    chainId: c.chainIds[0],
    nonce: c.nonce,
  }).prepareMessage();
}

describe('Sign-In with Ethereum brute-force limit', () => {
  let system: any;

  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      services: ['accounts'],
      env: { RATE_LIMIT_SIWE_PER_ACCOUNT: '3' },
    });
  }, 90000);

  afterAll(async () => {
    await system?.stop();
  });

  it('refuses a wallet with RATE_LIMITED after repeated bad signatures, even with a good one; other wallets go on', async () => {
    const target = Wallet.createRandom();
    const forger = Wallet.createRandom();
    for (let i = 0; i < 3; i++) {
      const text = await message(target);
      const result = await gql(SIGN_IN, { m: text, s: await forger.signMessage(text) }, { url: GATEWAY });
      expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
    const text = await message(target);
    const limited = await gql(SIGN_IN, { m: text, s: await target.signMessage(text) }, { url: GATEWAY });
    expect(limited.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect((limited.errors?.[0].extensions as { retryAfterSeconds?: number }).retryAfterSeconds).toBeGreaterThan(0);

    const other = Wallet.createRandom();
    const otherText = await message(other);
    expect((await gql(SIGN_IN, { m: otherText, s: await other.signMessage(otherText) }, { url: GATEWAY })).errors).toBeUndefined();
  });
});
