import { randomUUID } from 'node:crypto';
import { Contract, JsonRpcProvider, NonceManager, Wallet, parseEther } from 'ethers';
import Redis from 'ioredis';
import { DEVNET_DEPLOYER_KEY, DEVNET_TOKENS } from '@tradegraph/shared';
import { collect, eventually, gql, signUp, wsClient, type TestUser } from '../harness/client';
import { INTERNAL_HEADERS, REDIS_URL, busChannel, ownSystem, startOwnSystem } from '../harness/env';

// Deposits on a system (and a pair of local chains) of their own: swaps, which read reference
// prices this file sets (other tests of the shared system set the same markets' prices), and
// funding killed with SIGKILL mid-way.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(7200, 'depcrash');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;
const MARKETS = `http://127.0.0.1:${PORT_BASE + 2}`;
const MATCHING = `http://127.0.0.1:${PORT_BASE + 6}`;
const ADMIN_EMAIL = 'root-admin@tradegraph.test';

/** Clean-ups of the running test, run after it whether it passed or not. */
const cleanups: (() => void)[] = [];
const afterThis = (cleanup: () => void) => cleanups.push(cleanup);
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Keeps `market`'s reference price at `price` while a test runs (published as markets' own trade price; a stale one would fail the swap). */
async function keepReferencePrice(market: string, price: string): Promise<() => void> {
  const redis = new Redis(REDIS_URL);
  const publish = () =>
    redis.publish(busChannel(`markets.price.${market}`, DATABASE), JSON.stringify({ market, price, at: new Date().toISOString(), source: 'trade' }));
  await eventually(
    async () => {
      await publish();
      const response = await fetch(`${MARKETS}/internal/prices?markets=${market}`, { headers: INTERNAL_HEADERS });
      const body = (await response.json()) as { prices: ({ price: string; stale: boolean } | null)[] };
      if (body.prices[0]?.price !== price || body.prices[0].stale) throw new Error(`${market} is not ${price} yet`);
    },
    15000,
    200,
  );
  const timer = setInterval(() => void publish(), 2000);
  return () => {
    clearInterval(timer);
    redis.disconnect();
  };
}

describe('deposits on a system of their own', () => {
  let system: any;
  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, { chains: true });
  }, 180000);
  afterAll(() => system?.stop(), 60000);

  const rpc = async (method: string, params: unknown[] = []) => {
    const response = await fetch(system.chains.arbitrum, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    return ((await response.json()) as { result: unknown }).result;
  };
  const balance = async (user: TestUser) => {
    const result = await gql('{ myBalances { asset available } }', {}, { token: user.token, url: GATEWAY });
    return result.data.myBalances.find((b: { asset: string }) => b.asset === 'USDC')?.available ?? '0';
  };
  const depositOf = async (user: TestUser, txHash: string) => {
    const result = await gql('{ myDeposits { edges { node { status txHash creditedAmount } } } }', {}, { token: user.token, url: GATEWAY });
    return result.data?.myDeposits.edges.map((e: any) => e.node).find((d: any) => d.txHash === txHash.toLowerCase());
  };

  const mine = (chain: 'ethereum' | 'arbitrum', blocks: number) => rpcOn(chain, 'hardhat_mine', [`0x${blocks.toString(16)}`]);
  const rpcOn = async (chain: string, method: string, params: unknown[] = []) => {
    const response = await fetch(system.chains[chain], {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    return ((await response.json()) as { result: unknown }).result;
  };
  const faucet = async (user: TestUser, chain: string, asset: string, amount: string, to?: string): Promise<string> => {
    const result = await gql(
      'mutation ($chain: String!, $asset: String!, $amount: Decimal!, $to: String) { devnetFaucet(chain: $chain, asset: $asset, amount: $amount, to: $to) { txHash } }',
      { chain, asset, amount, to },
      { token: user.token, url: GATEWAY },
    );
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    return result.data.devnetFaucet.txHash;
  };
  const depositWithStatus = (user: TestUser, txHash: string, status: string) =>
    eventually(
      async () => {
        const result = await gql(
          '{ myDeposits(first: 50) { edges { node { id status network amount confirmations requiredConfirmations txHash creditedAmount asset { symbol } swap { provider status fromAsset fromAmount toAsset toAmount price fee route } } } } }',
          {},
          { token: user.token, url: GATEWAY },
        );
        const found = result.data?.myDeposits.edges.map((e: any) => e.node).find((d: any) => d.txHash === txHash.toLowerCase());
        if (found?.status !== status) throw new Error(`deposit ${txHash}: ${found?.status ?? 'not recorded'}, waiting for ${status}`);
        return found;
      },
      30000,
      100,
    );

  it('ETH sent from a wallet on the source chain: every state in order on the subscription, swapped at the reference price, credited once, tradeable', async () => {
    afterThis(await keepReferencePrice('ETH-USDC', '3000'));
    const user = await signUp(GATEWAY);
    const address = (await gql('mutation { depositAddress(chain: "ethereum") { address } }', {}, { token: user.token, url: GATEWAY })).data.depositAddress
      .address;
    const client = wsClient(user.token, GATEWAY.replace(/^http/, 'ws'));
    afterThis(() => void client.dispose());
    const updates = collect(
      client,
      'subscription { myDepositUpdates { status confirmations requiredConfirmations amount creditedAmount user { email } asset { symbol name } swap { status fromAmount toAmount route } } }',
    );
    // The user's own wallet: funded by the faucet, then it pays the deposit address itself.
    const provider = new JsonRpcProvider(system.chains.ethereum, undefined, { staticNetwork: true, cacheTimeout: -1 });
    afterThis(() => provider.destroy());
    const wallet = Wallet.createRandom().connect(provider);
    await faucet(user, 'ethereum', 'ETH', '1', wallet.address);
    // The subscription is open once the gateway planned it; a deposit before that would be missed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const tx = await wallet.sendTransaction({ to: address, value: parseEther('0.5') });
    await tx.wait();
    await depositWithStatus(user, tx.hash, 'confirming');
    await mine('ethereum', 2);
    const credited = await depositWithStatus(user, tx.hash, 'credited');

    // 0.5 ETH × 3000 less 0.30 %: 1500 − 4.5.
    expect(credited).toMatchObject({
      network: 'ethereum',
      amount: '0.5',
      confirmations: 3,
      requiredConfirmations: 3,
      creditedAmount: '1495.5',
      asset: { symbol: 'ETH' },
      swap: { provider: 'local', status: 'done', fromAsset: 'ETH', fromAmount: '0.5', toAsset: 'USDC', toAmount: '1495.5', price: '3000', fee: '4.5', route: 'local:ETH-USDC' },
    });
    expect(await balance(user)).toBe('1495.5');

    await updates.waitFor(6);
    const seen = updates.results.map((r) => r.data!.myDepositUpdates);
    expect(seen.map((d: any) => d.status)).toEqual(['detected', 'confirming', 'confirmed', 'swapping', 'swapping', 'credited']);
    expect(seen.map((d: any) => d.confirmations)).toEqual([0, 1, 3, 3, 3, 3]);
    expect(seen[5]).toMatchObject({ user: { email: user.email }, asset: { symbol: 'ETH', name: 'Ether' }, creditedAmount: '1495.5' });
    expect(seen[3].swap).toMatchObject({ status: 'pending', toAmount: null });
    expect(seen[4].swap).toMatchObject({ status: 'done', toAmount: '1495.5', route: 'local:ETH-USDC' });

    const order = await gql(
      'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { status } }',
      { input: { market: 'ETH-USDC', side: 'buy', type: 'limit', price: '2000', quantity: '0.7', clientOrderId: randomUUID() } },
      { token: user.token, url: GATEWAY },
    );
    expect(order.errors).toBeUndefined();
    expect(order.data.placeOrder.status).toBe('open');
  });

  it('a swap that fails (no price) leaves the deposit failed; an admin retry credits it once prices flow', async () => {
    const user = await signUp(GATEWAY);
    // The bootstrap admin of this system (ADMIN_EMAILS): an admin from its first token.
    const adminSignUp = await gql(
      'mutation ($email: String!) { signUp(email: $email, password: "correct horse battery staple") { accessToken } }',
      { email: ADMIN_EMAIL },
      { url: GATEWAY },
    );
    const admin = adminSignUp.data.signUp.accessToken as string;
    // USDT → USDC goes through USDC-USDT, which has no price on this system yet.
    const txHash = await faucet(user, 'ethereum', 'USDT', '100');
    await mine('ethereum', 2);
    const failed = await depositWithStatus(user, txHash, 'failed');
    expect(failed.swap).toMatchObject({ status: 'failed', route: 'local:USDC-USDT (inverted)' });
    const retry = (token: string) => gql('mutation ($id: ID!) { retryDeposit(id: $id) { status } }', { id: failed.id }, { token, url: GATEWAY });
    expect((await retry(user.token)).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    afterThis(await keepReferencePrice('USDC-USDT', '1.0004'));
    const retried = await retry(admin);
    expect(retried.errors).toBeUndefined();
    const credited = await depositWithStatus(user, txHash, 'credited');
    // 100 USDT / 1.0004 = 99.960015 USDC (rounded down), less 0.30 % (0.29988004, rounded up to 0.299881).
    expect(credited.swap).toMatchObject({ status: 'done', toAmount: '99.660134', fee: '0.299881' });
    expect(await balance(user)).toBe('99.660134');
    expect((await retry(admin)).errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('catches up after SIGKILL and credits a deposit whose credit already reached matching exactly once', async () => {
    const user = await signUp(GATEWAY);
    const address = (await gql('mutation { depositAddress(chain: "arbitrum") { address } }', {}, { token: user.token, url: GATEWAY })).data.depositAddress
      .address;

    system.children.funding.kill('SIGKILL');
    await new Promise((resolve) => system.children.funding.once('exit', resolve));

    // While funding is dead: 40 USDC arrive and are confirmed.
    const provider = new JsonRpcProvider(system.chains.arbitrum, undefined, { staticNetwork: true });
    const minter = new NonceManager(new Wallet(DEVNET_DEPLOYER_KEY, provider));
    const usdc = new Contract(DEVNET_TOKENS[0].address, ['function mint(address to, uint256 value)'], minter);
    const tx = await usdc.mint(address, 40_000_000n);
    const receipt = await tx.wait();
    await rpc('hardhat_mine', ['0x4']);
    // The crash came just after funding's credit reached matching: matching holds it under the deposit's key.
    const key = `deposit:arbitrum:${tx.hash.toLowerCase()}:${receipt.logs[0].index}`;
    const early = await fetch(`${MATCHING}/internal/balances/adjust`, {
      method: 'POST',
      headers: { ...INTERNAL_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: user.id, asset: 'USDC', amount: '40', idempotencyKey: key }),
    });
    expect(early.status).toBe(200);
    provider.destroy();

    await system.restart('funding');
    const credited = await eventually(
      async () => {
        const deposit = await depositOf(user, tx.hash);
        if (deposit?.status !== 'credited') throw new Error(`deposit is ${deposit?.status ?? 'not recorded'}`);
        return deposit;
      },
      30000,
      200,
    );
    expect(credited.creditedAmount).toBe('40');
    expect(await balance(user)).toBe('40');
  });

  it('a deposit in flight when funding is killed is credited once after the restart', async () => {
    const user = await signUp(GATEWAY);
    const faucet = await gql('mutation { devnetFaucet(chain: "arbitrum", asset: "USDC", amount: "7") { txHash } }', {}, { token: user.token, url: GATEWAY });
    const txHash: string = faucet.data.devnetFaucet.txHash;
    await eventually(async () => {
      if ((await depositOf(user, txHash))?.status !== 'confirming') throw new Error('not confirming yet');
    });
    // Confirmed and being credited as funding dies.
    await rpc('hardhat_mine', ['0x1']);
    system.children.funding.kill('SIGKILL');
    await new Promise((resolve) => system.children.funding.once('exit', resolve));
    await system.restart('funding');
    await eventually(
      async () => {
        if ((await depositOf(user, txHash))?.status !== 'credited') throw new Error('not credited yet');
      },
      30000,
      200,
    );
    await rpc('hardhat_mine', ['0x5']);
    // Several passes later: still one credit.
    const later = await gql('mutation { devnetFaucet(chain: "arbitrum", asset: "USDC", amount: "1") { txHash } }', {}, { token: user.token, url: GATEWAY });
    await rpc('hardhat_mine', ['0x2']);
    await eventually(
      async () => {
        if ((await depositOf(user, later.data.devnetFaucet.txHash))?.status !== 'credited') throw new Error('not credited yet');
      },
      30000,
      200,
    );
    expect(await balance(user)).toBe('8');
  });
});
