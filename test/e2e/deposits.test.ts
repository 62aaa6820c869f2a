import { randomUUID } from 'node:crypto';
import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import Redis from 'ioredis';
import { collect, eventually, gql, signUp, wsClient, type TestUser } from '../harness/client';
import { CHAINS, INTERNAL_HEADERS, REDIS_URL, busChannel, subgraphUrl } from '../harness/env';
import { userWithRoles } from '../harness/roles';

// Deposits on the test system's two local chains (real hardhat nodes started by the harness:
// `ethereum` the source chain, 3 confirmations; `arbitrum` the settlement chain, 2), through the
// gateway. The nodes mine one block per transaction; the tests mine the confirmations themselves
// (hardhat_mine), so every step is driven, never waited for by the clock. The tests of this file
// share the chains and run one after another.

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

/**
 * Gives `market` a fresh reference price (published on markets' channel) and answers the price
 * markets then holds: `price`, unless another test's trade on that market came in between,
 * which the swap then uses (the tests check the credit against the swap's price).
 */
async function referencePrice(market: string, price: string): Promise<string> {
  const redis = new Redis(REDIS_URL);
  try {
    return await eventually(
      async () => {
        // As a trade price: it replaces whatever markets holds (a feed tick does not replace a recent trade's).
        await redis.publish(busChannel(`markets.price.${market}`), JSON.stringify({ market, price, at: new Date().toISOString(), source: 'trade' }));
        const response = await fetch(`${subgraphUrl('markets')}/internal/prices?markets=${market}`, { headers: INTERNAL_HEADERS });
        const body = (await response.json()) as { prices: ({ price: string; stale: boolean } | null)[] };
        const held = body.prices[0];
        if (!held || held.stale) throw new Error(`${market} has no fresh price yet`);
        return held.price;
      },
      15000,
      200,
    );
  } finally {
    redis.disconnect();
  }
}

/**
 * Keeps `market`'s reference price fresh while a test runs (as a feed would: a price older than
 * PRICE_STALE_AFTER_MS is stale, and the local swap refuses stale prices). Returns the stop.
 */
async function keepReferencePrice(market: string, price: string): Promise<() => void> {
  await referencePrice(market, price);
  const redis = new Redis(REDIS_URL);
  const timer = setInterval(() => {
    void redis.publish(busChannel(`markets.price.${market}`), JSON.stringify({ market, price, at: new Date().toISOString(), source: 'trade' }));
  }, 2000);
  return () => {
    clearInterval(timer);
    redis.disconnect();
  };
}

/** Micro-USDC of `amount` ETH at `price` less 30 bps (fee rounded up, delivery down), as "1495.5". */
function usdcFor(amountEth: string, price: string): string {
  const scaled = (value: string, decimals: number) => {
    const [whole, fraction = ''] = value.split('.');
    return BigInt(whole + fraction.padEnd(decimals, '0').slice(0, decimals));
  };
  const gross = (scaled(amountEth, 18) * scaled(price, 18)) / 10n ** 30n; // 18 + 18 − 6 decimals
  const delivered = gross - (gross * 30n + 9_999n) / 10_000n;
  const text = delivered.toString().padStart(7, '0');
  return `${text.slice(0, -6)}.${text.slice(-6)}`.replace(/\.?0+$/, '');
}

/** Clean-ups of the running test, run after it whether it passed or not. */
const cleanups: (() => void)[] = [];
const afterThis = (cleanup: () => void) => cleanups.push(cleanup);
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('crypto deposits on the local chains', () => {
  const ethereum = () => new JsonRpcProvider(CHAINS.ethereum, undefined, { staticNetwork: true });

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

  it('ETH sent from a wallet on the source chain: every state in order on the subscription, swapped at the reference price, credited once, tradeable', async () => {
    const stopPrice = await keepReferencePrice('ETH-USDC', '3000');
    afterThis(stopPrice);
    const user = await signUp();
    const address = await depositAddress(user, 'ethereum');
    const client = wsClient(user.token);
    afterThis(() => void client.dispose());
    const updates = collect(
      client,
      'subscription { myDepositUpdates { status confirmations requiredConfirmations amount creditedAmount user { email } asset { symbol name } swap { status fromAmount toAmount route } } }',
    );
    // The user's own wallet: funded by the faucet, then it pays the deposit address itself.
    const wallet = Wallet.createRandom().connect(ethereum());
    await faucet(user, 'ethereum', 'ETH', '1', wallet.address);
    // The subscription is open once the gateway planned it; a deposit before that would be missed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const tx = await wallet.sendTransaction({ to: address, value: parseEther('0.5') });
    await tx.wait();
    await depositWithStatus(user, tx.hash, 'confirming');
    await mine('ethereum', 2);
    const credited = await depositWithStatus(user, tx.hash, 'credited');

    // 0.5 ETH at the reference price less 0.30 % (at 3000: 1500 − 4.5 = 1495.5).
    const usdc = usdcFor('0.5', credited.swap.price);
    expect(credited).toMatchObject({
      network: 'ethereum',
      amount: '0.5',
      confirmations: 3,
      requiredConfirmations: 3,
      creditedAmount: usdc,
      asset: { symbol: 'ETH' },
      swap: { provider: 'local', status: 'done', fromAsset: 'ETH', fromAmount: '0.5', toAsset: 'USDC', toAmount: usdc, route: 'local:ETH-USDC' },
    });
    if (credited.swap.price === '3000') expect(credited.swap).toMatchObject({ toAmount: '1495.5', fee: '4.5' });
    expect(await balance(user, 'USDC')).toBe(usdc);

    await updates.waitFor(6);
    const seen = updates.results.map((r) => r.data!.myDepositUpdates);
    expect(seen.map((d: any) => d.status)).toEqual(['detected', 'confirming', 'confirmed', 'swapping', 'swapping', 'credited']);
    expect(seen.map((d: any) => d.confirmations)).toEqual([0, 1, 3, 3, 3, 3]);
    expect(seen[5]).toMatchObject({ user: { email: user.email }, asset: { symbol: 'ETH', name: 'Ether' }, creditedAmount: usdc });
    expect(seen[3].swap).toMatchObject({ status: 'pending', toAmount: null });
    expect(seen[4].swap).toMatchObject({ status: 'done', toAmount: usdc, route: 'local:ETH-USDC' });
    updates.unsubscribe();
    await client.dispose();

    const order = await gql(
      'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { status } }',
      { input: { market: 'ETH-USDC', side: 'buy', type: 'limit', price: '2000', quantity: '0.7', clientOrderId: randomUUID() } },
      { token: user.token },
    );
    expect(order.errors).toBeUndefined();
    expect(order.data.placeOrder.status).toBe('open');
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
    afterThis(await keepReferencePrice('ETH-USDC', '3000'));
    const snapshot = await rpc('ethereum', 'evm_snapshot');
    const txHash = await faucet(user, 'ethereum', 'ETH', '0.25');
    await depositWithStatus(user, txHash, 'confirming');
    // The chain goes back to before the payment, and grows past it on another branch.
    expect(await rpc('ethereum', 'evm_revert', [snapshot])).toBe(true);
    await mine('ethereum', 5);
    const reversed = await depositWithStatus(user, txHash, 'reversed');
    expect(reversed.creditedAmount).toBeNull();
    await mine('ethereum', 3);
    // Another pass at least, then still reversed and nothing credited.
    const later = await faucet(user, 'ethereum', 'ETH', '0.001');
    await mine('ethereum', 3);
    const credited = await depositWithStatus(user, later, 'credited');
    expect((await deposits(user)).find((d) => d.txHash === txHash.toLowerCase()).status).toBe('reversed');
    // Only the later deposit reached the balance (at 3000: 3 − 0.009).
    expect(credited.creditedAmount).toBe(usdcFor('0.001', credited.swap.price));
    expect(await balance(user, 'USDC')).toBe(credited.creditedAmount);
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

  it('a swap that fails (no price) leaves the deposit failed; an admin retry credits it once prices flow', async () => {
    const user = await signUp();
    const admin = await userWithRoles(['admin'], 'deposit-admin');
    // USDT → USDC goes through USDC-USDT, which has no price on this system yet.
    const txHash = await faucet(user, 'ethereum', 'USDT', '100');
    await mine('ethereum', 2);
    const failed = await depositWithStatus(user, txHash, 'failed');
    expect(failed.swap).toMatchObject({ status: 'failed', route: 'local:USDC-USDT (inverted)' });
    const notAdmin = await gql('mutation ($id: ID!) { retryDeposit(id: $id) { status } }', { id: failed.id }, { token: user.token });
    expect(notAdmin.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    afterThis(await keepReferencePrice('USDC-USDT', '1.0004'));
    const retried = await gql('mutation ($id: ID!) { retryDeposit(id: $id) { status } }', { id: failed.id }, { token: admin.token });
    expect(retried.errors).toBeUndefined();
    const credited = await depositWithStatus(user, txHash, 'credited');
    // 100 USDT / 1.0004 = 99.960015 USDC (rounded down), less 0.30 % (0.29988004, rounded up to 0.299881).
    expect(credited.swap).toMatchObject({ status: 'done', toAmount: '99.660134', fee: '0.299881' });
    expect(await balance(user, 'USDC')).toBe('99.660134');
    const twice = await gql('mutation ($id: ID!) { retryDeposit(id: $id) { status } }', { id: failed.id }, { token: admin.token });
    expect(twice.errors?.[0].extensions?.code).toBe('CONFLICT');
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
