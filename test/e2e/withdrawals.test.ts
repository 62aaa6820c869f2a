import { randomUUID } from 'node:crypto';
import { totpCodes } from '../harness/totp';
import { Wallet } from 'ethers';
import { collect, credit, eventually, gql, signUp, sql, wsClient, type TestUser } from '../harness/client';
import { CHAINS } from '../harness/env';
import { rootAdmin } from '../harness/roles';
import { startReceiver, type Received } from '../harness/webhook-receiver';

// Withdrawals on the test system's two local chains through the gateway (docs/architecture.md,
// "Withdrawals"): TOTP required, the total debited in matching at once, a transaction signed from
// the hot wallet with a nonce kept in Postgres, sent, and followed to completed (the tests mine
// the confirmations themselves, hardhat_mine). A transfer the hot wallet cannot cover reverts:
// failed, and the debit comes back. Crash cases run on a system of their own. Every transaction
// here is on `ethereum`: deposits.test.ts counts blocks (and rewinds) on `arbitrum` of the same
// shared chains, and a withdrawal mined there would add blocks under it.

const FIELDS = 'id chain asset toAddress amount exchangeFee networkFee total status txHash confirmations requiredConfirmations failure holdReason';
const USDC = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const USDT = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';

async function rpc(chain: string, method: string, params: unknown[] = []): Promise<any> {
  const response = await fetch(CHAINS[chain], { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}
const mine = (chain: string, blocks: number) => rpc(chain, 'hardhat_mine', [`0x${blocks.toString(16)}`]);
const tokenBalance = async (chain: string, token: string, owner: string) =>
  BigInt(await rpc(chain, 'eth_call', [{ to: token, data: `0x70a08231${owner.slice(2).toLowerCase().padStart(64, '0')}` }, 'latest']));

interface TwoFactorUser extends TestUser {
  /** The next unused TOTP code (each time step is accepted once; the window is ±1 step). */
  code(): string;
}

async function userWithTwoFactor(): Promise<TwoFactorUser> {
  const user = await signUp();
  const enrol = await gql('mutation { enrolTwoFactor { secret } }', {}, { token: user.token });
  const code = totpCodes(enrol.data.enrolTwoFactor.secret);
  const confirmed = await gql('mutation ($code: String!) { confirmTwoFactor(code: $code) { recoveryCodes } }', { code: code() }, { token: user.token });
  expect(confirmed.errors).toBeUndefined();
  return { ...user, code };
}

async function available(user: TestUser, asset: string): Promise<string> {
  const result = await gql('{ myBalances { asset available } }', {}, { token: user.token });
  return result.data.myBalances.find((b: { asset: string }) => b.asset === asset)?.available ?? '0';
}

const REQUEST = `mutation ($input: RequestWithdrawalInput!) { requestWithdrawal(input: $input) { ${FIELDS} } }`;
const request = (user: TestUser, input: Record<string, unknown>) => gql(REQUEST, { input: { idempotencyKey: randomUUID(), twoFactorCode: '000000', ...input } }, { token: user.token });

async function withdrawalWithStatus(user: TestUser, id: string, status: string, timeoutMs = 20000): Promise<any> {
  return eventually(
    async () => {
      const result = await gql(`query ($id: ID!) { withdrawal(id: $id) { ${FIELDS} } }`, { id }, { token: user.token });
      const found = result.data?.withdrawal;
      if (found?.status !== status) throw new Error(`withdrawal ${id}: ${found?.status ?? JSON.stringify(result.errors)}, waiting for ${status}`);
      return found;
    },
    timeoutMs,
    100,
  );
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

describe('withdrawals on the local chains', () => {
  it('sends USDC at the quoted fees: debited at once, streamed, signed by the hot wallet and completed after the confirmations; the same key is the same withdrawal', async () => {
    const user = await userWithTwoFactor();
    await credit(user.token, 'USDC', '100');
    const recipient = Wallet.createRandom().address;
    const quote = await gql(
      'query { withdrawalQuote(asset: "USDC", chain: "ethereum", amount: "10") { id amount exchangeFee networkFee networkFeeNative total expiresAt } }',
      {},
      { token: user.token },
    );
    expect(quote.errors).toBeUndefined();
    const q = quote.data.withdrawalQuote;
    // USDC's exchange fee (1) covers its gas: the live estimate is shown in ETH, not charged.
    expect([q.amount, q.exchangeFee, q.networkFee, q.total]).toEqual(['10', '1', '0', '11']);
    expect(Number(q.networkFeeNative)).toBeGreaterThan(0);
    expect(new Date(q.expiresAt).getTime()).toBeGreaterThan(Date.now());

    const hook = await gql(
      'mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }',
      { input: { url: receiver.url('/withdrawals'), events: ['withdrawal.*'], description: 'withdrawals test' } },
      { token: user.token },
    );
    expect(hook.errors).toBeUndefined();
    const ws = wsClient(user.token);
    const updates = collect(ws, `subscription { myWithdrawalUpdates { id status txHash } }`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const key = randomUUID();
    const input = { asset: 'USDC', chain: 'ethereum', toAddress: recipient, amount: '10', idempotencyKey: key, quoteId: q.id };
    const first = await gql(REQUEST, { input: { ...input, twoFactorCode: user.code() } }, { token: user.token });
    expect(first.errors).toBeUndefined();
    const w = first.data.requestWithdrawal;
    expect([w.status, w.total, w.toAddress]).toEqual(['requested', '11', recipient]);
    expect(await available(user, 'USDC')).toBe('89');

    // The same key again (its code spent already): the same withdrawal, nothing debited twice.
    const again = await gql(REQUEST, { input: { ...input, twoFactorCode: '000000' } }, { token: user.token });
    expect(again.data.requestWithdrawal.id).toBe(w.id);
    expect(await available(user, 'USDC')).toBe('89');

    const sent = await withdrawalWithStatus(user, w.id, 'broadcast');
    const tx = await rpc('ethereum', 'eth_getTransactionByHash', [sent.txHash]);
    const [hot] = await sql<{ address: string }>('select address from funding.hot_wallet');
    expect(tx.from.toLowerCase()).toBe(hot.address.toLowerCase());
    const [nonce] = await sql<{ nonce: string }>('select nonce::text from funding.withdrawals where id = $1', [w.id]);
    expect(Number(tx.nonce)).toBe(Number(nonce.nonce));
    await mine('ethereum', 3);
    const done = await withdrawalWithStatus(user, w.id, 'completed');
    expect(done.confirmations).toBeGreaterThanOrEqual(3);
    expect(await tokenBalance('ethereum', USDC, recipient)).toBe(10_000_000n);
    expect(await available(user, 'USDC')).toBe('89');

    await updates.waitFor(4, 10000);
    const statuses = updates.results.map((r) => r.data?.myWithdrawalUpdates).filter((e) => e.id === w.id).map((e) => e.status);
    expect(statuses.slice(0, 3)).toEqual(['requested', 'signed', 'broadcast']);
    await eventually(async () => {
      const more = updates.results.map((r) => r.data?.myWithdrawalUpdates.status);
      if (!more.includes('completed')) throw new Error(`updates: ${more.join(', ')}`);
    });
    updates.unsubscribe();
    await ws.dispose();
    await eventually(async () => {
      const byId = new Map<string, Received['json']>(receiver.on('/withdrawals').map((r) => [r.json.id, r.json]));
      const types = [...byId.values()].filter((e) => e.data.id === w.id).map((e) => e.type).sort();
      if (!types.includes('withdrawal.completed')) throw new Error(`webhook events: ${types.join(', ')}`);
      expect(types).toEqual(['withdrawal.broadcast', 'withdrawal.completed', 'withdrawal.requested', 'withdrawal.signed']);
    }, 20000);
  });

  it('sends the coin paying its network fee, with nonces in order and no gaps', async () => {
    const user = await userWithTwoFactor();
    await credit(user.token, 'ETH', '2');
    const recipient = Wallet.createRandom().address;
    const ids: string[] = [];
    for (const amount of ['0.5', '0.25']) {
      const result = await request(user, { asset: 'ETH', chain: 'ethereum', toAddress: recipient, amount, twoFactorCode: user.code() });
      expect(result.errors).toBeUndefined();
      const w = result.data.requestWithdrawal;
      expect(Number(w.networkFee)).toBeGreaterThan(0);
      expect(w.exchangeFee).toBe('0.0001');
      ids.push(w.id);
    }
    for (const id of ids) await withdrawalWithStatus(user, id, 'broadcast');
    await mine('ethereum', 3);
    const done = await Promise.all(ids.map((id) => withdrawalWithStatus(user, id, 'completed')));
    expect(BigInt(await rpc('ethereum', 'eth_getBalance', [recipient, 'latest']))).toBe(750_000_000_000_000_000n);
    const spent = done.reduce((sum, w) => sum + Number(w.total), 0);
    expect(Number(await available(user, 'ETH'))).toBeCloseTo(2 - spent, 8);
    // Every nonce the hot wallet used on the chain is one withdrawal's, and they follow each other.
    const nonces = (await sql<{ nonce: string }>("select nonce::text from funding.withdrawals where chain = 'ethereum' and nonce is not null order by nonce")).map((r) => Number(r.nonce));
    expect(nonces).toEqual(nonces.map((_, i) => nonces[0] + i));
  });

  it('a transfer that reverts on chain fails and gives the debit back', async () => {
    const user = await userWithTwoFactor();
    // More USDT than the hot wallet holds (the devnet float is 1,000,000): the token's transfer reverts.
    await credit(user.token, 'USDT', '3000000');
    const result = await request(user, { asset: 'USDT', chain: 'ethereum', toAddress: Wallet.createRandom().address, amount: '2500000', twoFactorCode: user.code() });
    expect(result.errors).toBeUndefined();
    const w = result.data.requestWithdrawal;
    expect(await available(user, 'USDT')).toBe('499999');
    // Above the hold threshold: an admin lets it go.
    expect(w.status).toBe('held');
    const admin = await rootAdmin();
    expect((await gql('mutation ($id: ID!) { approveWithdrawal(id: $id) { status } }', { id: w.id }, { token: admin.token })).data.approveWithdrawal.status).toBe('requested');
    const failed = await withdrawalWithStatus(user, w.id, 'failed');
    expect(failed.failure).toMatch(/reverted/);
    await eventually(async () => expect(await available(user, 'USDT')).toBe('3000000'));
    const receipt = await rpc('ethereum', 'eth_getTransactionReceipt', [failed.txHash]);
    expect(Number(receipt.status)).toBe(0);
    expect(await tokenBalance('ethereum', USDT, failed.toAddress)).toBe(0n);
  });

  it('refuses bad input with its own code and changes nothing', async () => {
    const user = await userWithTwoFactor();
    await credit(user.token, 'USDC', '50');
    const to = Wallet.createRandom().address;
    const wrongChecksum = to.slice(0, 2) + [...to.slice(2)].map((c) => (/[a-f]/.test(c) ? c.toUpperCase() : /[A-F]/.test(c) ? c.toLowerCase() : c)).join('');
    const base = { asset: 'USDC', chain: 'ethereum', toAddress: to, amount: '1' };
    const cases: [Record<string, unknown>, string][] = [
      [{ amount: '-1' }, 'WITHDRAWAL_INVALID_AMOUNT'],
      [{ amount: '0' }, 'WITHDRAWAL_INVALID_AMOUNT'],
      [{ amount: '1.0000001' }, 'WITHDRAWAL_INVALID_AMOUNT'],
      [{ toAddress: wrongChecksum }, 'WITHDRAWAL_INVALID_ADDRESS'],
      [{ toAddress: '0x1234' }, 'WITHDRAWAL_INVALID_ADDRESS'],
      [{ chain: 'solana' }, 'WITHDRAWAL_UNKNOWN_CHAIN'],
      [{ asset: 'DOGE' }, 'WITHDRAWAL_UNKNOWN_ASSET'],
      [{ twoFactorCode: '000000' }, 'WITHDRAWAL_TWO_FACTOR_WRONG'],
      [{ quoteId: randomUUID() }, 'WITHDRAWAL_QUOTE_MISMATCH'],
      // Past the daily limit (10,000,000 USDC) is refused before the balance is looked at.
      [{ amount: '10000001' }, 'WITHDRAWAL_LIMIT_EXCEEDED'],
    ];
    for (const [change, code] of cases) {
      const result = await request(user, { ...base, ...change });
      expect([JSON.stringify(change), result.errors?.[0]?.extensions?.code]).toEqual([JSON.stringify(change), code]);
      expect(JSON.stringify(result.errors)).not.toMatch(/stack|select |insert |127\.0\.0\.1/i);
    }
    // Too much for the balance, and one of the exchange's own deposit addresses.
    expect((await request(user, { ...base, amount: '50', twoFactorCode: user.code() })).errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_FUNDS');
    const other = await signUp();
    const own = await gql('mutation { depositAddress(chain: "ethereum") { address } }', {}, { token: other.token });
    expect((await request(user, { ...base, toAddress: own.data.depositAddress.address })).errors?.[0]?.extensions?.code).toBe('WITHDRAWAL_OWN_ADDRESS');
    expect(await available(user, 'USDC')).toBe('50');
    expect(await sql('select id from funding.withdrawals where user_id = $1', [user.id])).toEqual([]);

    // Without 2FA: refused with a code saying to turn it on.
    const plain = await signUp();
    await credit(plain.token, 'USDC', '5');
    const refused = await request(plain, base);
    expect(refused.errors?.[0]?.extensions?.code).toBe('WITHDRAWAL_TWO_FACTOR_REQUIRED');
    expect(await available(plain, 'USDC')).toBe('5');

    // Another user's withdrawal is not found (as is a made-up one).
    const owner = await userWithTwoFactor();
    await credit(owner.token, 'USDC', '5');
    const mine = await request(owner, { ...base, amount: '2', twoFactorCode: owner.code() });
    expect(mine.errors).toBeUndefined();
    for (const id of [mine.data.requestWithdrawal.id, randomUUID()]) {
      const seen = await gql(`query ($id: ID!) { withdrawal(id: $id) { id } }`, { id }, { token: user.token });
      expect(seen.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
  });

  it('the address book: a new address is refused during its cool-off, then usable; allow-list-only refuses any other', async () => {
    const user = await userWithTwoFactor();
    await credit(user.token, 'USDC', '20');
    const address = Wallet.createRandom().address;
    const added = await gql(
      'mutation ($address: String!, $code: String!) { addWithdrawalAddress(chain: "ethereum", address: $address, label: "cold", twoFactorCode: $code) { address label usableFrom } }',
      { address: address.toLowerCase(), code: user.code() },
      { token: user.token },
    );
    expect(added.errors).toBeUndefined();
    expect(added.data.addWithdrawalAddress).toMatchObject({ address, label: 'cold' });
    const base = { asset: 'USDC', chain: 'ethereum', toAddress: address, amount: '5' };
    const early = await request(user, base);
    expect(early.errors?.[0]?.extensions).toMatchObject({ code: 'WITHDRAWAL_ADDRESS_COOLING_OFF', usableFrom: added.data.addWithdrawalAddress.usableFrom });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, new Date(added.data.addWithdrawalAddress.usableFrom).getTime() - Date.now()) + 200));
    const later = await request(user, { ...base, twoFactorCode: user.code() });
    expect(later.errors).toBeUndefined();
    expect(await available(user, 'USDC')).toBe('14');

    const strict = await userWithTwoFactor();
    await credit(strict.token, 'USDC', '20');
    const on = await gql('mutation ($code: String!) { setWithdrawalAllowListOnly(enabled: true, twoFactorCode: $code) }', { code: strict.code() }, { token: strict.token });
    expect(on.data.setWithdrawalAllowListOnly).toBe(true);
    const refused = await request(strict, { ...base, toAddress: Wallet.createRandom().address });
    expect(refused.errors?.[0]?.extensions?.code).toBe('WITHDRAWAL_ADDRESS_NOT_ALLOWED');
    expect(await available(strict, 'USDC')).toBe('20');
  });

  it('a withdrawal above the hold threshold waits for an admin: approved it is sent, rejected it fails and the debit comes back; both audited', async () => {
    const user = await userWithTwoFactor();
    await credit(user.token, 'USDC', '400000');
    const recipient = Wallet.createRandom().address;
    const big = { asset: 'USDC', chain: 'ethereum', toAddress: recipient, amount: '150000' };
    const first = await request(user, { ...big, twoFactorCode: user.code() });
    expect(first.errors).toBeUndefined();
    expect(first.data.requestWithdrawal.status).toBe('held');
    const second = await request(user, { ...big, twoFactorCode: user.code() });
    expect(second.data.requestWithdrawal.status).toBe('held');
    expect(await available(user, 'USDC')).toBe(String(400000 - 2 * 150001));
    const admin = await rootAdmin();
    // Only an admin decides.
    const [approveQ, rejectQ] = [
      `mutation ($id: ID!) { approveWithdrawal(id: $id) { ${FIELDS} } }`,
      `mutation ($id: ID!) { rejectWithdrawal(id: $id, reason: "not this one") { ${FIELDS} } }`,
    ];
    expect((await gql(approveQ, { id: first.data.requestWithdrawal.id }, { token: user.token })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const approved = await gql(approveQ, { id: first.data.requestWithdrawal.id }, { token: admin.token });
    expect(approved.errors).toBeUndefined();
    expect(approved.data.approveWithdrawal).toMatchObject({ status: 'requested', holdReason: 'above 100000 USDC' });
    const rejected = await gql(rejectQ, { id: second.data.requestWithdrawal.id }, { token: admin.token });
    expect(rejected.data.rejectWithdrawal).toMatchObject({ status: 'failed', failure: 'rejected by an admin: not this one' });
    expect((await gql(approveQ, { id: second.data.requestWithdrawal.id }, { token: admin.token })).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await eventually(async () => expect(await available(user, 'USDC')).toBe(String(400000 - 150001)));

    await withdrawalWithStatus(user, first.data.requestWithdrawal.id, 'broadcast');
    await mine('ethereum', 3);
    await withdrawalWithStatus(user, first.data.requestWithdrawal.id, 'completed');
    expect(await tokenBalance('ethereum', USDC, recipient)).toBe(150_000_000_000n);
    const audited = await sql<{ action: string; target_id: string }>(
      "select action, target_id from accounts.audit_log where action in ('approve_withdrawal', 'reject_withdrawal') and target_id = any($1) order by id",
      [[first.data.requestWithdrawal.id, second.data.requestWithdrawal.id]],
    );
    expect(audited).toEqual([
      { action: 'approve_withdrawal', target_id: first.data.requestWithdrawal.id },
      { action: 'reject_withdrawal', target_id: second.data.requestWithdrawal.id },
    ]);
  });
});
