import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { Wallet } from 'ethers';
import { credit, eventually, gql, signUp, sqlOn, type TestUser } from '../harness/client';
import { ownSystem, startOwnSystem } from '../harness/env';

// Withdrawals when funding dies at the worst moments (docs/architecture.md, "Withdrawals, nonces
// and crash safety"), on a system and chains of its own: SIGKILL right after signing (before the
// signed transaction is recorded) and right after sending (before that is recorded), through the
// env-guarded fault hook FUNDING_WITHDRAWAL_FAULT given to one start only. After the restart each
// withdrawal reaches the chain once and ends in one final state. Also a transaction stuck in the
// mempool (automine off), replaced with the same nonce and a bumped fee.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(7900, 'wdcrash');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;
const USDC = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const FIELDS = 'id status txHash total confirmations';

describe('withdrawals on a system of their own', () => {
  let system: any;
  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, { chains: true, env: { FUNDING_WITHDRAWAL_STUCK_SECONDS: '2' } });
  }, 180000);
  afterAll(() => system?.stop(), 60000);

  const db = <T = any>(text: string, params: unknown[] = []) => sqlOn<T>(system.databaseUrl, text, params);
  const rpc = async (method: string, params: unknown[] = []): Promise<any> => {
    const response = await fetch(system.chains.ethereum, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };
  const usdcOf = async (owner: string) => BigInt(await rpc('eth_call', [{ to: USDC, data: `0x70a08231${owner.slice(2).toLowerCase().padStart(64, '0')}` }, 'latest']));
  const hotWallet = async () => (await db<{ address: string }>('select address from funding.hot_wallet'))[0].address;
  const minedNonce = async (address: string) => Number(await rpc('eth_getTransactionCount', [address, 'latest']));

  async function userWithTwoFactor(): Promise<TestUser & { code(): string }> {
    const user = await signUp(GATEWAY);
    const enrol = await gql('mutation { enrolTwoFactor { secret } }', {}, { token: user.token, url: GATEWAY });
    const totp = new TOTP({ secret: Secret.fromBase32(enrol.data.enrolTwoFactor.secret) });
    let last = -Infinity;
    const code = () => {
      // The previous step's code only while it has seconds to live (it must still be in the window on arrival).
      const now = Math.floor(Date.now() / 30_000);
      const earliest = (now + 1) * 30_000 - Date.now() > 5_000 ? now - 1 : now;
      const step = Math.max(last + 1, earliest);
      last = step;
      return totp.generate({ timestamp: step * 30_000 + 1 });
    };
    const confirmed = await gql('mutation ($code: String!) { confirmTwoFactor(code: $code) { recoveryCodes } }', { code: code() }, { token: user.token, url: GATEWAY });
    expect(confirmed.errors).toBeUndefined();
    await credit(user.token, 'USDC', '100', GATEWAY);
    return { ...user, code };
  }

  /** Requests 10 USDC to a fresh address; the answer may be lost when the fault kills funding first. */
  async function requestTen(user: TestUser & { code(): string }) {
    const to = Wallet.createRandom().address;
    await gql(
      `mutation ($input: RequestWithdrawalInput!) { requestWithdrawal(input: $input) { ${FIELDS} } }`,
      { input: { asset: 'USDC', chain: 'ethereum', toAddress: to, amount: '10', idempotencyKey: randomUUID(), twoFactorCode: user.code() } },
      { token: user.token, url: GATEWAY },
    ).catch(() => undefined);
    const [row] = await eventually(async () => {
      const rows = await db<{ id: string }>('select id from funding.withdrawals where user_id = $1 and locked_at is not null', [user.id]);
      if (rows.length !== 1) throw new Error(`${rows.length} locked withdrawals`);
      return rows;
    });
    return { id: row.id, to };
  }

  const statusOf = async (id: string) => (await db<{ status: string }>('select status from funding.withdrawals where id = $1', [id]))[0].status;
  const killed = () => new Promise((resolve) => (system.children.funding.exitCode !== null || system.children.funding.signalCode !== null ? resolve(null) : system.children.funding.once('exit', resolve)));

  async function completes(id: string) {
    await eventually(async () => {
      if ((await statusOf(id)) !== 'broadcast') throw new Error(`withdrawal is ${await statusOf(id)}`);
    }, 30000, 200);
    await rpc('hardhat_mine', ['0x3']);
    await eventually(async () => {
      if ((await statusOf(id)) !== 'completed') throw new Error(`withdrawal is ${await statusOf(id)}`);
    }, 30000, 200);
  }

  async function restartWithFault(fault: string) {
    system.children.funding.kill('SIGKILL');
    await killed();
    await system.restart('funding', { FUNDING_WITHDRAWAL_FAULT: fault });
  }

  it('killed after signing, before recording: nothing was sent, and after the restart it is signed again and sent once', async () => {
    const user = await userWithTwoFactor();
    const hot = await hotWallet();
    const nonceBefore = await minedNonce(hot);
    await restartWithFault('after-sign');
    const { id, to } = await requestTen(user);
    await killed();
    expect(system.children.funding.signalCode).toBe('SIGKILL');
    // The signature died with the process: no transaction recorded, none on the chain, the nonce unused.
    expect(await statusOf(id)).toBe('requested');
    expect(await db('select tx_hash from funding.withdrawal_txs where withdrawal_id = $1', [id])).toEqual([]);
    expect(await minedNonce(hot)).toBe(nonceBefore);

    await system.restart('funding');
    await completes(id);
    expect(await usdcOf(to)).toBe(10_000_000n);
    expect(await minedNonce(hot)).toBe(nonceBefore + 1);
    const txs = await db<{ nonce: string }>('select nonce::text from funding.withdrawal_txs where withdrawal_id = $1', [id]);
    expect(txs).toEqual([{ nonce: String(nonceBefore) }]);
    expect((await gql('{ myBalances { asset available } }', {}, { token: user.token, url: GATEWAY })).data.myBalances.find((b: any) => b.asset === 'USDC').available).toBe('89');
  }, 120000);

  it('killed after sending, before recording: the recorded transaction is sent again (the same hash), mined once, completed once', async () => {
    const user = await userWithTwoFactor();
    const hot = await hotWallet();
    const nonceBefore = await minedNonce(hot);
    await restartWithFault('after-broadcast');
    const { id, to } = await requestTen(user);
    await killed();
    expect(await statusOf(id)).toBe('signed');
    const [recorded] = await db<{ txHash: string }>('select tx_hash as "txHash" from funding.withdrawal_txs where withdrawal_id = $1', [id]);
    // It did reach the chain (the node mines each transaction at once).
    expect(await rpc('eth_getTransactionReceipt', [recorded.txHash])).not.toBeNull();

    await system.restart('funding');
    await completes(id);
    const [done] = await db<{ txHash: string }>('select tx_hash as "txHash" from funding.withdrawals where id = $1', [id]);
    expect(done.txHash).toBe(recorded.txHash);
    expect(await db('select tx_hash from funding.withdrawal_txs where withdrawal_id = $1', [id])).toHaveLength(1);
    expect(await usdcOf(to)).toBe(10_000_000n);
    expect(await minedNonce(hot)).toBe(nonceBefore + 1);
    // One final state, and the debit was never given back.
    expect(await db('select status, released_at from funding.withdrawals where id = $1', [id])).toEqual([{ status: 'completed', released_at: null }]);
  }, 120000);

  it('a transaction stuck in the mempool is replaced with the same nonce and a bumped fee; one of them is mined, once', async () => {
    const user = await userWithTwoFactor();
    await rpc('evm_setAutomine', [false]);
    try {
      const { id, to } = await requestTen(user);
      const txs = await eventually(async () => {
        const rows = await db<{ txHash: string; nonce: string; fee: string }>(
          'select tx_hash as "txHash", nonce::text, max_fee_per_gas::text as fee from funding.withdrawal_txs where withdrawal_id = $1 order by created_at',
          [id],
        );
        if (rows.length < 2) throw new Error(`${rows.length} transactions`);
        return rows;
      }, 30000, 200);
      expect(txs[1].nonce).toBe(txs[0].nonce);
      expect(BigInt(txs[1].fee)).toBeGreaterThan((BigInt(txs[0].fee) * 11n) / 10n);
      await rpc('evm_setAutomine', [true]);
      await rpc('hardhat_mine', ['0x3']);
      await eventually(async () => {
        if ((await statusOf(id)) !== 'completed') throw new Error(`withdrawal is ${await statusOf(id)}`);
      }, 30000, 200);
      expect(await usdcOf(to)).toBe(10_000_000n);
      const [done] = await db<{ txHash: string }>('select tx_hash as "txHash" from funding.withdrawals where id = $1', [id]);
      const hashes = (await db<{ txHash: string }>('select tx_hash as "txHash" from funding.withdrawal_txs where withdrawal_id = $1', [id])).map((r) => r.txHash);
      expect(hashes).toContain(done.txHash);
      const mined = (await Promise.all(hashes.map((hash) => rpc('eth_getTransactionReceipt', [hash])))).filter(Boolean);
      expect(mined).toHaveLength(1);
    } finally {
      await rpc('evm_setAutomine', [true]);
    }
  }, 120000);
});
