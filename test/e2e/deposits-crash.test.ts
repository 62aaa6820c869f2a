import { Contract, JsonRpcProvider, Wallet, NonceManager } from 'ethers';
import { DEVNET_DEPLOYER_KEY, DEVNET_TOKENS } from '@tradegraph/shared';
import { eventually, gql, signUp, type TestUser } from '../harness/client';
import { INTERNAL_HEADERS, ownSystem, startOwnSystem } from '../harness/env';

// Funding killed with SIGKILL while deposits arrive, and a credit that reached matching just
// before the crash: on restart the watcher catches up from the block it had recorded, and the
// deposit is credited exactly once. A system (and a pair of chains) of its own, since funding dies.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(7200, 'depcrash');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;
const MATCHING = `http://127.0.0.1:${PORT_BASE + 6}`;

describe('funding killed mid-way', () => {
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
