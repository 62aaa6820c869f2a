import path from 'node:path';
import { Contract, JsonRpcProvider } from 'ethers';
import { DEVNET_TOKENS, devnetChains } from '@tradegraph/shared';
import { collect, eventually, gql, signUp, wsClient, type TestUser } from '../harness/client';
import { ownSystem, startOwnSystem } from '../harness/env';

// Deposits swapped through LI-FI (funding's infra/lifi-swap.ts) on a system of their own with
// FUNDING_SWAP_PROVIDER=lifi, against the local LI-FI (launcher/src/devnet-lifi.ts): an HTTP
// server speaking LI-FI's /v1/quote and /v1/status that really takes the source tokens on the
// source chain and pays USDC on the settlement chain.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LocalLifi } = require(path.resolve(__dirname, '..', '..', 'launcher', 'dist', 'devnet-lifi.js')) as typeof import('../../launcher/src/devnet-lifi');

const { portBase: PORT_BASE, database: DATABASE } = ownSystem(7800, 'lifi');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;
const ADMIN_EMAIL = 'root-admin@tradegraph.test';
const CHAINS = devnetChains(PORT_BASE);
const [USDC, USDT] = DEVNET_TOKENS;
const ERC20 = ['function balanceOf(address) view returns (uint256)'];
const SWAP_FIELDS = 'provider status fromAsset fromAmount toAsset toAmount price fee route sourceTxHash destinationTxHash quotedAmount quotedMinAmount';

describe('deposits swapped through LI-FI', () => {
  const lifi = new LocalLifi({ port: PORT_BASE + 547, chains: CHAINS, feeBps: 25 });
  let system: any;
  let ethereum: JsonRpcProvider;
  let arbitrum: JsonRpcProvider;
  beforeAll(async () => {
    await lifi.start();
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      chains: true,
      env: { FUNDING_SWAP_PROVIDER: 'lifi', FUNDING_LIFI_URL: lifi.url, FUNDING_LIFI_BACKOFF_MS: '50', FUNDING_LIFI_API_KEY: 'local-test-key' },
    });
    await lifi.fund();
    ethereum = new JsonRpcProvider(system.chains.ethereum, undefined, { staticNetwork: true, cacheTimeout: -1 });
    arbitrum = new JsonRpcProvider(system.chains.arbitrum, undefined, { staticNetwork: true, cacheTimeout: -1 });
  }, 180000);
  afterAll(async () => {
    ethereum?.destroy();
    arbitrum?.destroy();
    await system?.stop();
    await lifi.stop();
  }, 60000);

  const mine = (blocks: number) => ethereum.send('hardhat_mine', [`0x${blocks.toString(16)}`]);
  const tokenBalance = async (provider: JsonRpcProvider, token: string, owner: string) => (await new Contract(token, ERC20, provider).balanceOf(owner)) as bigint;
  const usdcBalance = async (user: TestUser) => {
    const result = await gql('{ myBalances { asset available } }', {}, { token: user.token, url: GATEWAY });
    return result.data.myBalances.find((b: { asset: string }) => b.asset === 'USDC')?.available ?? '0';
  };
  const depositAddress = async (user: TestUser) =>
    (await gql('mutation { depositAddress(chain: "ethereum") { address } }', {}, { token: user.token, url: GATEWAY })).data.depositAddress.address as string;
  const faucetUsdt = async (user: TestUser, amount: string): Promise<string> => {
    const result = await gql('mutation ($amount: Decimal!) { devnetFaucet(chain: "ethereum", asset: "USDT", amount: $amount) { txHash } }', { amount }, { token: user.token, url: GATEWAY });
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    return result.data.devnetFaucet.txHash;
  };
  const depositOf = async (user: TestUser, txHash: string) => {
    const result = await gql(`{ myDeposits(first: 20) { edges { node { id status amount creditedAmount txHash swap { ${SWAP_FIELDS} } } } } }`, {}, { token: user.token, url: GATEWAY });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data.myDeposits.edges.map((e: any) => e.node).find((d: any) => d.txHash === txHash.toLowerCase());
  };
  const depositWithStatus = (user: TestUser, txHash: string, status: string, timeoutMs = 40000) =>
    eventually(
      async () => {
        const found = await depositOf(user, txHash);
        if (found?.status !== status) throw new Error(`deposit ${txHash}: ${found?.status ?? 'not recorded'}, waiting for ${status}`);
        return found;
      },
      timeoutMs,
      100,
    );
  const admin = async () => {
    const signUpResult = await gql('mutation ($email: String!) { signUp(email: $email, password: "correct horse battery staple") { accessToken } }', { email: ADMIN_EMAIL }, { url: GATEWAY });
    if (signUpResult.data) return signUpResult.data.signUp.accessToken as string;
    const signIn = await gql('mutation ($email: String!) { signIn(email: $email, password: "correct horse battery staple") { accessToken } }', { email: ADMIN_EMAIL }, { url: GATEWAY });
    return signIn.data.signIn.accessToken as string;
  };

  it('USDT on the source chain becomes the USDC LI-FI really delivered on the settlement chain; quote, route, fee and both transactions are on the deposit', async () => {
    const user = await signUp(GATEWAY);
    const address = await depositAddress(user);
    const client = wsClient(user.token, GATEWAY.replace(/^http/, 'ws'));
    const updates = collect(client, `subscription { myDepositUpdates { status creditedAmount asset { symbol } swap { ${SWAP_FIELDS} } } }`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const lifiUsdtBefore = await tokenBalance(ethereum, USDT.address, lifi.account);

    const txHash = await faucetUsdt(user, '100');
    await depositWithStatus(user, txHash, 'confirming');
    await mine(2);
    const credited = await depositWithStatus(user, txHash, 'credited');

    // 100 USDT at 1:1 less the local bridge's 0.25 % fee; the quote's minimum allows 0.5 % slippage.
    expect(credited).toMatchObject({
      amount: '100',
      creditedAmount: '99.75',
      swap: {
        provider: 'lifi',
        status: 'done',
        fromAsset: 'USDT',
        fromAmount: '100',
        toAsset: 'USDC',
        toAmount: '99.75',
        price: '0.9975',
        fee: '0.25',
        route: 'lifi:localbridge ethereum:USDT -> arbitrum:USDC',
        quotedAmount: '99.75',
        quotedMinAmount: '99.25125',
      },
    });
    // Both transactions are real: the USDT left the deposit address for LI-FI, and the USDC arrived on the settlement chain.
    const source = await ethereum.getTransactionReceipt(credited.swap.sourceTxHash);
    expect(source?.status).toBe(1);
    expect(source?.from.toLowerCase()).toBe(address.toLowerCase());
    const destination = await arbitrum.getTransactionReceipt(credited.swap.destinationTxHash);
    expect(destination?.status).toBe(1);
    expect(await tokenBalance(ethereum, USDT.address, address)).toBe(0n);
    expect((await tokenBalance(ethereum, USDT.address, lifi.account)) - lifiUsdtBefore).toBe(100_000_000n);
    expect(await tokenBalance(arbitrum, USDC.address, address)).toBe(99_750_000n);
    expect(await usdcBalance(user)).toBe('99.75');

    const seen = await eventually(async () => {
      const all = updates.results.map((r) => r.data!.myDepositUpdates);
      if (all.at(-1)?.status !== 'credited') throw new Error(`updates so far: ${all.map((d: any) => d.status).join(', ')}`);
      return all;
    });
    await client.dispose();
    // Every state in order; the swap shows three times: started, quoted and sent, done.
    expect(seen.map((d: any) => d.status)).toEqual(['detected', 'confirming', 'confirmed', 'swapping', 'swapping', 'swapping', 'credited']);
    // While swapping, the quote and the source transaction show before the swap is done.
    const inFlight = seen.find((d: any) => d.status === 'swapping' && d.swap?.sourceTxHash && d.swap.status === 'pending');
    expect(inFlight?.swap).toMatchObject({ quotedAmount: '99.75', destinationTxHash: null, toAmount: null });
  });

  it('a storm of 429s with Retry-After is waited out and the deposit is credited exactly once', async () => {
    const user = await signUp(GATEWAY);
    const address = await depositAddress(user);
    const throttledBefore = lifi.seen.throttled;
    lifi.throttleNext(4, 1);
    const started = Date.now();
    const txHash = await faucetUsdt(user, '10');
    await mine(2);
    const credited = await depositWithStatus(user, txHash, 'credited');
    expect(lifi.seen.throttled - throttledBefore).toBe(4);
    // Retry-After: 1 s, four times.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    expect(credited.creditedAmount).toBe('9.975');
    await mine(3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // One payout, one credit.
    expect(await tokenBalance(arbitrum, USDC.address, address)).toBe(9_975_000n);
    expect(await usdcBalance(user)).toBe('9.975');
  });

  it('a LI-FI transfer that FAILED leaves the deposit failed with its tokens in place; an admin retry takes a new quote and credits it once', async () => {
    const user = await signUp(GATEWAY);
    const address = await depositAddress(user);
    lifi.revertNextQuotes(1);
    const txHash = await faucetUsdt(user, '20');
    await mine(2);
    const failed = await depositWithStatus(user, txHash, 'failed');
    expect(failed.swap).toMatchObject({ provider: 'lifi', status: 'failed', toAmount: null, destinationTxHash: null });
    expect(failed.swap.sourceTxHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await ethereum.getTransactionReceipt(failed.swap.sourceTxHash))?.status).toBe(0);
    expect(await tokenBalance(ethereum, USDT.address, address)).toBe(20_000_000n);
    expect(await usdcBalance(user)).toBe('0');

    const retried = await gql('mutation ($id: ID!) { retryDeposit(id: $id) { status } }', { id: failed.id }, { token: await admin(), url: GATEWAY });
    expect(retried.errors).toBeUndefined();
    const credited = await depositWithStatus(user, txHash, 'credited');
    expect(credited.creditedAmount).toBe('19.95');
    expect(credited.swap.sourceTxHash).not.toBe(failed.swap.sourceTxHash);
    expect(await tokenBalance(ethereum, USDT.address, address)).toBe(0n);
    expect(await tokenBalance(arbitrum, USDC.address, address)).toBe(19_950_000n);
    expect(await usdcBalance(user)).toBe('19.95');
  });

  it('funding killed while a LI-FI transfer is under way resumes it after the restart: one source transaction, one credit', async () => {
    const user = await signUp(GATEWAY);
    const address = await depositAddress(user);
    const lifiUsdtBefore = await tokenBalance(ethereum, USDT.address, lifi.account);
    lifi.holdTransfers(true);
    const txHash = await faucetUsdt(user, '30');
    await mine(2);
    const swapping = await eventually(
      async () => {
        const deposit = await depositOf(user, txHash);
        if (!deposit?.swap?.sourceTxHash) throw new Error(`no source transaction yet (${deposit?.status})`);
        if ((await ethereum.getTransactionReceipt(deposit.swap.sourceTxHash))?.status !== 1) throw new Error('source transaction not mined yet');
        return deposit;
      },
      30000,
      100,
    );
    expect(swapping.status).toBe('swapping');
    const nonce = await ethereum.getTransactionCount(address);

    system.children.funding.kill('SIGKILL');
    await new Promise((resolve) => system.children.funding.once('exit', resolve));
    lifi.holdTransfers(false);
    await system.restart('funding');

    const credited = await depositWithStatus(user, txHash, 'credited');
    expect(credited.swap.sourceTxHash).toBe(swapping.swap.sourceTxHash);
    expect(credited.creditedAmount).toBe('29.925');
    // Nothing more was sent from the deposit address, LI-FI took 30 USDT once, and paid once.
    expect(await ethereum.getTransactionCount(address)).toBe(nonce);
    expect((await tokenBalance(ethereum, USDT.address, lifi.account)) - lifiUsdtBefore).toBe(30_000_000n);
    expect(await tokenBalance(arbitrum, USDC.address, address)).toBe(29_925_000n);
    expect(await usdcBalance(user)).toBe('29.925');
  });
});
