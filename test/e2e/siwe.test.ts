import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { Secret, TOTP } from 'otpauth';
import { gql, signUp, sql } from '../harness/client';

const NONCE = 'mutation { siweNonce { nonce domain uri chainIds issuedAt expiresAt } }';
const SIGN_IN = `mutation ($message: String!, $signature: String!) {
  signInWithEthereum(message: $message, signature: $signature) {
    ... on AuthPayload {
      accessToken
      user { id email wallets { edges { node { address kind } } } }
    }
    ... on TwoFactorChallenge { challenge }
  }
}`;

interface Challenge {
  nonce: string;
  domain: string;
  uri: string;
  chainIds: number[];
}

async function challenge(): Promise<Challenge> {
  const result = await gql(NONCE);
  expect(result.errors).toBeUndefined();
  return result.data.siweNonce;
}

/** The message a dapp builds from the challenge and the wallet signs (EIP-4361 over EIP-191). */
async function signedMessage(wallet: Wallet, c: Challenge, overrides: Partial<SiweMessage> = {}) {
  const message = new SiweMessage({
    domain: c.domain,
    address: wallet.address,
    statement: 'Sign in to Tradegraph',
    uri: `${c.uri}/login`,
    version: '1',
    chainId: c.chainIds[0],
    nonce: c.nonce,
    issuedAt: new Date().toISOString(),
    ...overrides,
  }).prepareMessage();
  return { message, signature: await wallet.signMessage(message) };
}

describe('Sign-In with Ethereum', () => {
  it('signs a new wallet up with no email, and signs the same wallet in to the same account', async () => {
    const wallet = Wallet.createRandom();
    const first = await gql(SIGN_IN, await signedMessage(wallet, await challenge()));
    expect(first.errors).toBeUndefined();
    const user = first.data.signInWithEthereum.user;
    expect(user.email).toBeNull();
    expect(user.wallets.edges).toEqual([{ node: { address: wallet.address, kind: 'EXTERNAL' } }]);

    const second = await gql(SIGN_IN, await signedMessage(wallet, await challenge()));
    expect(second.errors).toBeUndefined();
    expect(second.data.signInWithEthereum.user.id).toBe(user.id);
    const me = await gql('{ me { id email } }', {}, { token: second.data.signInWithEthereum.accessToken });
    expect(me.data.me).toEqual({ id: user.id, email: null });
  });

  it('refuses a replayed message: the nonce works once', async () => {
    const signed = await signedMessage(Wallet.createRandom(), await challenge());
    expect((await gql(SIGN_IN, signed)).errors).toBeUndefined();
    const replay = await gql(SIGN_IN, signed);
    expect(replay.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(replay.errors?.[0].message).toMatch(/nonce/);
  });

  it('refuses a nonce the server never issued', async () => {
    const c = await challenge();
    const result = await gql(SIGN_IN, await signedMessage(Wallet.createRandom(), { ...c, nonce: 'abcdef0123456789abcdef0123456789' }));
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a message for another domain, another origin or another chain, and leaves the nonce usable', async () => {
    const wallet = Wallet.createRandom();
    const c = await challenge();
    const wrongDomain = await gql(SIGN_IN, await signedMessage(wallet, c, { domain: 'evil.example' }));
    expect(wrongDomain.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(wrongDomain.errors?.[0].message).toMatch(/domain/);

    const wrongUri = await gql(SIGN_IN, await signedMessage(wallet, c, { uri: 'https://evil.example/login' }));
    expect(wrongUri.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(wrongUri.errors?.[0].message).toMatch(/URI/);

    const wrongChain = await gql(SIGN_IN, await signedMessage(wallet, c, { chainId: 424242 }));
    expect(wrongChain.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(wrongChain.errors?.[0].message).toMatch(/Chain 424242/);

    // None of the refusals spent the nonce or made an account.
    expect(await sql('select 1 from accounts.wallets where address = $1', [wallet.address.toLowerCase()])).toEqual([]);
    expect((await gql(SIGN_IN, await signedMessage(wallet, c))).errors).toBeUndefined();
  });

  it('refuses an expired message', async () => {
    const past = new Date(Date.now() - 60_000);
    const result = await gql(
      SIGN_IN,
      await signedMessage(Wallet.createRandom(), await challenge(), {
        issuedAt: new Date(past.getTime() - 60_000).toISOString(),
        expirationTime: past.toISOString(),
      }),
    );
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.errors?.[0].message).toMatch(/Expired/);
  });

  it('refuses a nonce past its expiry', async () => {
    const c = await challenge();
    await sql(`update accounts.wallet_nonces set expires_at = now() - interval '1 second' where nonce = $1`, [c.nonce]);
    const result = await gql(SIGN_IN, await signedMessage(Wallet.createRandom(), c));
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a signature made by another wallet', async () => {
    const claimed = Wallet.createRandom();
    const other = Wallet.createRandom();
    const { message } = await signedMessage(claimed, await challenge());
    const result = await gql(SIGN_IN, { message, signature: await other.signMessage(message) });
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(
      await sql('select 1 from accounts.wallets where address in ($1, $2)', [claimed.address.toLowerCase(), other.address.toLowerCase()]),
    ).toEqual([]);
  });

  it('refuses text that is not an EIP-4361 message', async () => {
    const result = await gql(SIGN_IN, { message: 'hello', signature: '0x00' });
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('lets a password user sign in with a wallet once it is linked', async () => {
    const user = await signUp();
    const wallet = await linkedWallet(user.token);
    const signedIn = await gql(SIGN_IN, await signedMessage(wallet, await challenge()));
    expect(signedIn.data.signInWithEthereum.user).toMatchObject({ id: user.id, email: user.email });
  });

  it('asks for the second factor when the account has 2FA on, as password login does', async () => {
    const user = await signUp();
    const wallet = await linkedWallet(user.token);
    const enrol = await gql('mutation { enrolTwoFactor { secret } }', {}, { token: user.token });
    const code = new TOTP({ secret: Secret.fromBase32(enrol.data.enrolTwoFactor.secret) }).generate();
    const confirmed = await gql(
      'mutation ($c: String!) { confirmTwoFactor(code: $c) { recoveryCodes } }',
      { c: code },
      { token: user.token },
    );
    expect(confirmed.errors).toBeUndefined();

    const signedIn = await gql(SIGN_IN, await signedMessage(wallet, await challenge()));
    expect(signedIn.errors).toBeUndefined();
    expect(signedIn.data.signInWithEthereum.accessToken).toBeUndefined();
    const completed = await gql(
      'mutation ($ch: String!, $c: String!) { completeLogin(challenge: $ch, code: $c) { accessToken user { id } } }',
      {
        ch: signedIn.data.signInWithEthereum.challenge,
        c: confirmed.data.confirmTwoFactor.recoveryCodes[0],
      },
    );
    expect(completed.errors).toBeUndefined();
    expect(completed.data.completeLogin.user.id).toBe(user.id);
  });
});

/** Links a new wallet to the signed-in user (EIP-191 over the server's message); answers the wallet. */
async function linkedWallet(token: string): Promise<Wallet> {
  const wallet = Wallet.createRandom();
  const issued = await gql('mutation ($a: String!) { walletLinkChallenge(address: $a) { message } }', { a: wallet.address }, { token });
  const message = issued.data.walletLinkChallenge.message;
  const linked = await gql(
    'mutation ($m: String!, $s: String!) { linkWallet(message: $m, signature: $s) { address } }',
    { m: message, s: await wallet.signMessage(message) },
    { token },
  );
  expect(linked.errors).toBeUndefined();
  return wallet;
}
