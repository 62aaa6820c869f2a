import { randomUUID } from 'node:crypto';
import { eventually, gql, signUp, type TestUser } from '../harness/client';
import { CHAINS, INTERNAL_HEADERS, subgraphUrl } from '../harness/env';
import { userWithRoles } from '../harness/roles';

// Deposits on the test system's two local chains (real hardhat nodes started by the harness:
// `ethereum` the source chain, 3 confirmations; `arbitrum` the settlement chain, 2), through the
// gateway. The nodes mine one block per transaction; the tests mine the confirmations themselves
// (hardhat_mine), so every step is driven, never waited for by the clock. The tests of this file
// share the chains and run one after another. Swaps, which need reference prices other tests of
// the shared system also set, run on a system of their own (deposits-own-system.test.ts).

const DEPOSIT_FIELDS = `id status network amount confirmations requiredConfirmations txHash creditedAmount
  asset { symbol } swap { provider status fromAsset fromAmount toAsset toAmount price fee route }`;

async function rpc(chain: string, method: string, params: unknown[] = []): Promise<any> {
  const response = await fetch(CHAINS[chain], {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

const mine = (chain: string, blocks: number) => rpc(chain, 'hardhat_mine', [`0x${blocks.toString(16)}`]);

async function depositAddress(user: TestUser, chain: string): Promise<string> {
  const result = await gql('mutation ($chain: String!) { depositAddress(chain: $chain) { chain address } }', { chain }, { token: user.token });
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.depositAddress.address;
}

async function faucet(user: TestUser, chain: string, asset: string, amount: string, to?: string): Promise<string> {
  const result = await gql(
    'mutation ($chain: String!, $asset: String!, $amount: Decimal!, $to: String) { devnetFaucet(chain: $chain, asset: $asset, amount: $amount, to: $to) { txHash to } }',
    { chain, asset, amount, to },
    { token: user.token },
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.devnetFaucet.txHash;
}

async function balance(user: TestUser, asset: string): Promise<string> {
  const result = await gql('{ myBalances { asset available } }', {}, { token: user.token });
  return result.data.myBalances.find((b: { asset: string }) => b.asset === asset)?.available ?? '0';
}

async function deposits(user: TestUser): Promise<any[]> {
  const result = await gql(`{ myDeposits(first: 50) { edges { node { ${DEPOSIT_FIELDS} } } } }`, {}, { token: user.token });
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.myDeposits.edges.map((edge: { node: unknown }) => edge.node);
}

/** Waits until the user's deposit of `txHash` has `status`. */
async function depositWithStatus(user: TestUser, txHash: string, status: string, timeoutMs = 20000): Promise<any> {
  return eventually(
    async () => {
      const found = (await deposits(user)).find((d) => d.txHash === txHash.toLowerCase());
      if (found?.status !== status) throw new Error(`deposit ${txHash}: ${found?.status ?? 'not recorded'}, waiting for ${status}`);
      return found;
    },
    timeoutMs,
    100,
  );
}

describe('crypto deposits on the local chains', () => {
  it('lists both chains and what they accept', async () => {
    const result = await gql('{ depositChains { name chainId confirmations settlement assets { symbol decimals minimum address } } }');
    expect(result.errors).toBeUndefined();
    const chains = result.data.depositChains;
    expect(chains.map((c: any) => [c.name, c.chainId, c.confirmations, c.settlement])).toEqual([
      ['ethereum', 31337, 3, false],
      ['arbitrum', 412346, 2, true],
    ]);
    expect(chains[0].assets.map((a: any) => a.symbol)).toEqual(['ETH', 'USDC', 'USDT', 'WETH']);
  });

  it('gives each user one address per chain, the same every time, from the HD key', async () => {
    const [ada, bob] = [await signUp(), await signUp()];
    const first = await depositAddress(ada, 'ethereum');
    expect(first).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(await depositAddress(ada, 'ethereum')).toBe(first);
    expect(await depositAddress(ada, 'arbitrum')).not.toBe(first);
    expect(await depositAddress(bob, 'ethereum')).not.toBe(first);
    const unknown = await gql('mutation { depositAddress(chain: "solana") { address } }', {}, { token: ada.token });
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'chain' });
  });

  it('USDC on the settlement chain is credited as it is, with no swap', async () => {
    const user = await signUp();
    const txHash = await faucet(user, 'arbitrum', 'USDC', '250.125');
    await mine('arbitrum', 1);
    const credited = await depositWithStatus(user, txHash, 'credited');
    expect(credited).toMatchObject({ network: 'arbitrum', amount: '250.125', creditedAmount: '250.125', swap: null, confirmations: 2 });
    expect(await balance(user, 'USDC')).toBe('250.125');
  });

  it('dust is shown as ignored_dust and never credited', async () => {
    const user = await signUp();
    const txHash = await faucet(user, 'arbitrum', 'USDC', '0.5');
    await mine('arbitrum', 3);
    const dust = await depositWithStatus(user, txHash, 'ignored_dust');
    expect(dust.creditedAmount).toBeNull();
    // Later deposits are settled; the dust stays as it was.
    const later = await faucet(user, 'arbitrum', 'USDC', '2');
    await mine('arbitrum', 1);
    await depositWithStatus(user, later, 'credited');
    expect(await balance(user, 'USDC')).toBe('2');
    expect((await deposits(user)).find((d) => d.txHash === txHash.toLowerCase()).status).toBe('ignored_dust');
  });

  it('a deposit whose block leaves the chain before it is confirmed is reversed and never credited', async () => {
    const user = await signUp();
    const snapshot = await rpc('arbitrum', 'evm_snapshot');
    const txHash = await faucet(user, 'arbitrum', 'USDC', '25');
    await depositWithStatus(user, txHash, 'confirming');
    // The chain goes back to before the payment, and grows past it on another branch.
    expect(await rpc('arbitrum', 'evm_revert', [snapshot])).toBe(true);
    await mine('arbitrum', 5);
    const reversed = await depositWithStatus(user, txHash, 'reversed');
    expect(reversed.creditedAmount).toBeNull();
    // Passes later a new deposit is credited, and the reversed one still is not.
    const later = await faucet(user, 'arbitrum', 'USDC', '3');
    await mine('arbitrum', 2);
    await depositWithStatus(user, later, 'credited');
    expect((await deposits(user)).find((d) => d.txHash === txHash.toLowerCase()).status).toBe('reversed');
    expect(await balance(user, 'USDC')).toBe('3');
  });
  it('reportDeposit verifies a hash on chain: its own deposit, then wrong recipient, unknown hash, already credited', async () => {
    const [user, other] = [await signUp(), await signUp()];
    const address = await depositAddress(user, 'arbitrum');
    const txHash = await faucet(user, 'arbitrum', 'USDC', '10', address);

    const reported = await gql(`mutation ($hash: String!) { reportDeposit(chain: "arbitrum", txHash: $hash) { ${DEPOSIT_FIELDS} } }`, { hash: txHash }, { token: user.token });
    expect(reported.errors).toBeUndefined();
    expect(reported.data.reportDeposit).toHaveLength(1);
    expect(reported.data.reportDeposit[0]).toMatchObject({ txHash: txHash.toLowerCase(), amount: '10', asset: { symbol: 'USDC' }, requiredConfirmations: 2 });
    expect(['detected', 'confirming']).toContain(reported.data.reportDeposit[0].status);

    const report = (token: string, hash: string) =>
      gql('mutation ($hash: String!) { reportDeposit(chain: "arbitrum", txHash: $hash) { id } }', { hash }, { token });
    const wrong = await report(other.token, txHash);
    expect(wrong.errors?.[0].extensions?.code).toBe('DEPOSIT_WRONG_RECIPIENT');
    const missing = await report(user.token, `0x${'ab'.repeat(32)}`);
    expect(missing.errors?.[0].extensions?.code).toBe('DEPOSIT_TX_NOT_FOUND');
    const malformed = await report(user.token, '0x1234');
    expect(malformed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'txHash' });

    await mine('arbitrum', 1);
    await depositWithStatus(user, txHash, 'credited');
    const again = await report(user.token, txHash);
    expect(again.errors?.[0].extensions?.code).toBe('DEPOSIT_ALREADY_CREDITED');
    // Reported and watched, it is one deposit, credited once.
    expect((await deposits(user)).filter((d) => d.txHash === txHash.toLowerCase())).toHaveLength(1);
    expect(await balance(user, 'USDC')).toBe('10');
    expect(await balance(other, 'USDC')).toBe('0');
  });

  it("matching's internal credit route is idempotent on its key and refuses what the engine refuses", async () => {
    const user = await signUp();
    const adjust = async (body: Record<string, unknown>) => {
      const response = await fetch(`${subgraphUrl('matching')}/internal/balances/adjust`, {
        method: 'POST',
        headers: { ...INTERNAL_HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const credit = { userId: user.id, asset: 'USDC', amount: '12.5', idempotencyKey: `deposit:test:${randomUUID()}:0` };
    expect(await adjust(credit)).toEqual({ status: 200, body: { userId: user.id, asset: 'USDC', available: '12.5', locked: '0' } });
    expect(await adjust(credit)).toEqual({ status: 200, body: { userId: user.id, asset: 'USDC', available: '12.5', locked: '0' } });
    expect(await balance(user, 'USDC')).toBe('12.5');
    expect(await adjust({ ...credit, amount: '-13', idempotencyKey: 'debit-1' })).toMatchObject({ status: 422, body: { code: 'INSUFFICIENT_FUNDS' } });
    expect(await adjust({ ...credit, asset: 'DOGE', idempotencyKey: 'doge' })).toMatchObject({ status: 400, body: { code: 'BAD_USER_INPUT' } });
    expect(await adjust({ ...credit, amount: 12.5 })).toMatchObject({ status: 400, body: { code: 'BAD_USER_INPUT' } });
    expect(await balance(user, 'USDC')).toBe('12.5');
  });

  it("matching's batch credit route: each entry under its own key, once, in order; a refused entry holds up none of the others", async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const batch = async (body: unknown) => {
      const response = await fetch(`${subgraphUrl('matching')}/internal/balances/adjust/batch`, {
        method: 'POST',
        headers: { ...INTERNAL_HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const key = () => `deposit:test:${randomUUID()}:0`;
    const first = { userId: alice.id, asset: 'USDC', amount: '3', idempotencyKey: key() };
    const second = { userId: bob.id, asset: 'USDC', amount: '4.25', idempotencyKey: key() };
    const answer = await batch({
      adjustments: [
        first,
        second,
        first, // the same key twice in one batch: credited once
        { userId: alice.id, asset: 'DOGE', amount: '1', idempotencyKey: key() },
        { userId: bob.id, asset: 'USDC', amount: '-100', idempotencyKey: key() },
        { userId: alice.id, asset: 'USDC', amount: 1, idempotencyKey: key() },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      { status: 'done', balance: { userId: alice.id, asset: 'USDC', available: '3', locked: '0' } },
      { status: 'done', balance: { userId: bob.id, asset: 'USDC', available: '4.25', locked: '0' } },
      { status: 'done', balance: { userId: alice.id, asset: 'USDC', available: '3', locked: '0' } },
      expect.objectContaining({ status: 'refused', code: 'BAD_USER_INPUT' }),
      expect.objectContaining({ status: 'refused', code: 'INSUFFICIENT_FUNDS' }),
      expect.objectContaining({ status: 'refused', code: 'BAD_USER_INPUT' }),
    ]);
    // The same batch again (a caller that did not hear the answer): nothing credited twice.
    expect((await batch({ adjustments: [second, first] })).body.results.map((r: any) => r.status)).toEqual(['done', 'done']);
    // The single route knows the batch's keys too.
    const single = await fetch(`${subgraphUrl('matching')}/internal/balances/adjust`, {
      method: 'POST',
      headers: { ...INTERNAL_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify(first),
    });
    expect(((await single.json()) as any).available).toBe('3');
    expect(await balance(alice, 'USDC')).toBe('3');
    expect(await balance(bob, 'USDC')).toBe('4.25');
    expect(await batch({ adjustments: [] })).toMatchObject({ status: 400, body: { code: 'BAD_USER_INPUT' } });
    expect(await batch({ adjustments: Array.from({ length: 1001 }, () => first) })).toMatchObject({ status: 400, body: { code: 'BAD_USER_INPUT' } });
  });

  it('many deposits found in one pass are credited exactly once each', async () => {
    const user = await signUp();
    const address = await depositAddress(user, 'arbitrum');
    // Several transfers, mined in blocks the watcher reads together once they are all confirmed.
    const hashes: string[] = [];
    for (let i = 1; i <= 6; i++) hashes.push(await faucet(user, 'arbitrum', 'USDC', String(i), address));
    await mine('arbitrum', 3);
    for (const hash of hashes) await depositWithStatus(user, hash, 'credited');
    expect(await balance(user, 'USDC')).toBe('21');
    await mine('arbitrum', 3);
    const all = await deposits(user);
    expect(all.filter((d) => d.status === 'credited')).toHaveLength(6);
    expect(await balance(user, 'USDC')).toBe('21');
  });

  it('deposit(id) is for its owner or an admin; User.deposits filters', async () => {
    const [user, other] = [await signUp(), await signUp()];
    const txHash = await faucet(user, 'arbitrum', 'USDC', '3');
    await mine('arbitrum', 1);
    const { id } = await depositWithStatus(user, txHash, 'credited');
    const ask = (token: string) => gql('query ($id: ID!) { deposit(id: $id) { id status user { id } } }', { id }, { token });
    expect((await ask(user.token)).data.deposit).toEqual({ id, status: 'credited', user: { id: user.id } });
    expect((await ask(other.token)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const admin = await userWithRoles(['admin'], 'deposit-reader');
    expect((await ask(admin.token)).data.deposit.id).toBe(id);

    const filtered = await gql(
      '{ me { deposits(first: 5, filter: { statuses: [credited], chain: "arbitrum" }) { edges { node { id } } } none: deposits(filter: { chain: "ethereum" }) { edges { node { id } } } } }',
      {},
      { token: user.token },
    );
    expect(filtered.errors).toBeUndefined();
    expect(filtered.data.me.deposits.edges).toEqual([{ node: { id } }]);
    expect(filtered.data.me.none.edges).toEqual([]);
  });
});
