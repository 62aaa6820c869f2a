import { createDecipheriv, createHash } from 'node:crypto';
import { Wallet } from 'ethers';
import { gql, signUp, sql } from '../harness/client';

const CREATE = 'mutation { createEmbeddedWallet { id address kind provider createdAt } }';
const MY_WALLETS = '{ me { wallets { edges { node { id address kind provider } } } } }';

/** The development key the e2e system uses (no EMBEDDED_WALLET_KEYS set), to check the row at rest. */
const DEV_KEY = createHash('sha256').update('tradegraph embedded wallet development key').digest();

async function rawResponse(query: string, token: string): Promise<string> {
  const response = await fetch(process.env.E2E_GATEWAY_URL + '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return response.text();
}

describe('embedded (MPC) wallets', () => {
  it('creates a wallet for the user, links it as EMBEDDED, keeps its key encrypted and never returns it', async () => {
    const user = await signUp();
    const createdText = await rawResponse(CREATE, user.token);
    expect(JSON.parse(createdText).errors).toBeUndefined();
    const created = JSON.parse(createdText).data.createEmbeddedWallet;
    expect(created).toMatchObject({ kind: 'EMBEDDED', provider: 'local' });
    expect(created.address).toMatch(/^0x[0-9a-fA-F]{40}$/);

    const listedText = await rawResponse(MY_WALLETS, user.token);
    expect(JSON.parse(listedText).data.me.wallets.edges).toEqual([
      { node: { id: created.id, address: created.address, kind: 'EMBEDDED', provider: 'local' } },
    ]);

    // At rest: AES-256-GCM ciphertext bound to the address, which opens to the wallet's real key.
    const [row] = await sql('select key_id, iv, ciphertext, auth_tag from accounts.embedded_wallet_keys where wallet_id = $1', [
      created.id,
    ]);
    expect(row.key_id).toBe('dev');
    const decipher = createDecipheriv('aes-256-gcm', DEV_KEY, row.iv);
    decipher.setAAD(Buffer.from(created.address.toLowerCase()));
    decipher.setAuthTag(row.auth_tag);
    const privateKey = Buffer.concat([decipher.update(row.ciphertext), decipher.final()]).toString('hex');
    expect(new Wallet(`0x${privateKey}`).address).toBe(created.address);

    // No answer carries the key, in any encoding, nor its ciphertext.
    const introspection = await rawResponse('{ __type(name: "Wallet") { fields { name } } }', user.token);
    for (const text of [createdText, listedText, introspection]) {
      expect(text.toLowerCase()).not.toContain(privateKey);
      expect(text).not.toContain(Buffer.from(privateKey, 'hex').toString('base64'));
      expect(text).not.toContain(row.ciphertext.toString('hex'));
      expect(text).not.toContain(row.ciphertext.toString('base64'));
    }
    const fields = JSON.parse(introspection).data.__type.fields.map((f: { name: string }) => f.name);
    expect(fields.filter((name: string) => /key|secret|cipher|seed|mnemonic/i.test(name))).toEqual([]);
  });

  it('answers the same wallet when asked again, and keeps it to its owner', async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const first = (await gql(CREATE, {}, { token: alice.token })).data.createEmbeddedWallet;
    const second = (await gql(CREATE, {}, { token: alice.token })).data.createEmbeddedWallet;
    expect(second.id).toBe(first.id);
    expect((await sql('select count(*)::int as n from accounts.wallets where user_id = $1', [alice.id]))[0].n).toBe(1);

    const bobs = (await gql(CREATE, {}, { token: bob.token })).data.createEmbeddedWallet;
    expect(bobs.address).not.toBe(first.address);
    expect((await gql(MY_WALLETS, {}, { token: bob.token })).data.me.wallets.edges.map((e: any) => e.node.id)).toEqual([bobs.id]);
  });

  it('cannot be unlinked, and needs a signed-in user', async () => {
    const user = await signUp();
    const created = (await gql(CREATE, {}, { token: user.token })).data.createEmbeddedWallet;
    const unlink = await gql('mutation ($a: String!) { unlinkWallet(address: $a) { id } }', { a: created.address }, { token: user.token });
    expect(unlink.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await gql(CREATE)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
