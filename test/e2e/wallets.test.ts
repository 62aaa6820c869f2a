import { Wallet } from 'ethers';
import { gql, signUp, sql, type TestUser } from '../harness/client';
import { subgraphUrl } from '../harness/env';

const CHALLENGE = 'mutation ($a: String!) { walletLinkChallenge(address: $a) { message nonce expiresAt } }';
const LINK = 'mutation ($m: String!, $s: String!) { linkWallet(message: $m, signature: $s) { id address kind } }';
const UNLINK = 'mutation ($a: String!) { unlinkWallet(address: $a) { address } }';
const MY_WALLETS = '{ me { wallets { edges { node { address kind } } } } }';

async function linkWith(user: TestUser, wallet: Wallet, signer: Wallet = wallet) {
  const issued = await gql(CHALLENGE, { a: wallet.address }, { token: user.token });
  expect(issued.errors).toBeUndefined();
  const message: string = issued.data.walletLinkChallenge.message;
  return gql(LINK, { m: message, s: await signer.signMessage(message) }, { token: user.token });
}

const addresses = async (user: TestUser) =>
  (await gql(MY_WALLETS, {}, { token: user.token })).data.me.wallets.edges.map((e: any) => e.node.address);

describe('wallet linking (EIP-191)', () => {
  it('links several wallets to one user and unlinks one', async () => {
    const user = await signUp();
    const [a, b] = [Wallet.createRandom(), Wallet.createRandom()];
    expect((await linkWith(user, a)).data.linkWallet).toMatchObject({ address: a.address, kind: 'EXTERNAL' });
    expect((await linkWith(user, b)).data.linkWallet).toMatchObject({ address: b.address, kind: 'EXTERNAL' });
    expect(await addresses(user)).toEqual([a.address, b.address]);

    const unlinked = await gql(UNLINK, { a: a.address.toLowerCase() }, { token: user.token });
    expect(unlinked.data.unlinkWallet.address).toBe(a.address);
    expect(await addresses(user)).toEqual([b.address]);
  });

  it('refuses a wallet linked to another user with CONFLICT and changes nothing', async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const wallet = Wallet.createRandom();
    expect((await linkWith(alice, wallet)).errors).toBeUndefined();

    const issued = await gql(CHALLENGE, { a: wallet.address }, { token: bob.token });
    const message: string = issued.data.walletLinkChallenge.message;
    const stolen = await gql(LINK, { m: message, s: await wallet.signMessage(message) }, { token: bob.token });
    expect(stolen.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(await addresses(alice)).toEqual([wallet.address]);
    expect(await addresses(bob)).toEqual([]);
    // Bob's challenge is still unspent: the refusal changed nothing.
    const [row] = await sql('select used_at from accounts.wallet_nonces where nonce = $1', [issued.data.walletLinkChallenge.nonce]);
    expect(row.used_at).toBeNull();
  });

  it('refuses a signature by another wallet, a replayed challenge and another user’s challenge', async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const wallet = Wallet.createRandom();
    const wrongSigner = await linkWith(alice, wallet, Wallet.createRandom());
    expect(wrongSigner.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await addresses(alice)).toEqual([]);

    const issued = await gql(CHALLENGE, { a: wallet.address }, { token: alice.token });
    const message: string = issued.data.walletLinkChallenge.message;
    const signature = await wallet.signMessage(message);
    // Bob cannot use a message issued to Alice.
    expect((await gql(LINK, { m: message, s: signature }, { token: bob.token })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await gql(LINK, { m: message, s: signature }, { token: alice.token })).errors).toBeUndefined();
    await gql(UNLINK, { a: wallet.address }, { token: alice.token });
    // Replaying the used message does not link it again.
    expect((await gql(LINK, { m: message, s: signature }, { token: alice.token })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await addresses(alice)).toEqual([]);
  });

  it('shows wallets only to their owner', async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    await linkWith(alice, Wallet.createRandom());
    const peek = await gql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { wallets { edges { node { address } } } } } }',
      { r: [{ __typename: 'User', id: alice.id }] },
      { token: bob.token, url: `${subgraphUrl('accounts')}/graphql` },
    );
    // Asked of the accounts subgraph directly (as the gateway would for another entity's user).
    expect(peek.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(peek.data?._entities?.[0]?.wallets).toBeFalsy();
  });

  it('keeps the last way into a wallet-only account', async () => {
    const { SiweMessage } = await import('siwe');
    const wallet = Wallet.createRandom();
    const c = (await gql('mutation { siweNonce { nonce domain uri chainIds } }')).data.siweNonce;
    const message = new SiweMessage({
      domain: c.domain,
      address: wallet.address,
      uri: c.uri,
      version: '1',
      chainId: c.chainIds[0],
      nonce: c.nonce,
    }).prepareMessage();
    const signedIn = await gql(
      'mutation ($m: String!, $s: String!) { signInWithEthereum(message: $m, signature: $s) { ... on AuthPayload { accessToken } } }',
      {
        m: message,
        s: await wallet.signMessage(message),
      },
    );
    const token = signedIn.data.signInWithEthereum.accessToken;
    const refused = await gql(UNLINK, { a: wallet.address }, { token });
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
