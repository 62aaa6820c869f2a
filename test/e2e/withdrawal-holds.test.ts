import { randomUUID } from 'node:crypto';
import { totpCodes } from '../harness/totp';
import { Wallet } from 'ethers';
import { collect, credit, gql, signUp, wsClient, type TestUser } from '../harness/client';
import { rootAdmin } from '../harness/roles';

// Withdrawal holds after a security change and per-KYC-level daily limits, through the gateway
// (README, "Withdrawals"): funding asks accounts (GET /internal/withdrawal-profile) for the user's
// KYC level and when 2FA last changed. Nothing here is sent on chain except an approved one on
// `ethereum` (deposits.test.ts counts blocks on `arbitrum`).

const REQUEST = 'mutation ($input: RequestWithdrawalInput!) { requestWithdrawal(input: $input) { id status holdReason total } }';


async function enrol(user: TestUser): Promise<() => string> {
  const enrolled = await gql('mutation { enrolTwoFactor { secret } }', {}, { token: user.token });
  const code = totpCodes(enrolled.data.enrolTwoFactor.secret);
  const confirmed = await gql('mutation ($code: String!) { confirmTwoFactor(code: $code) { recoveryCodes } }', { code: code() }, { token: user.token });
  expect(confirmed.errors).toBeUndefined();
  return code;
}

const withdraw = (user: TestUser, code: string, amount: string, asset = 'USDC') =>
  gql(REQUEST, { input: { asset, chain: 'ethereum', toAddress: Wallet.createRandom().address, amount, idempotencyKey: randomUUID(), twoFactorCode: code } }, { token: user.token });

async function available(user: TestUser, asset = 'USDC'): Promise<string> {
  const result = await gql('{ myBalances { asset available } }', {}, { token: user.token });
  return result.data.myBalances.find((b: { asset: string }) => b.asset === asset)?.available ?? '0';
}

describe('withdrawal holds and KYC-level limits', () => {
  it('a first 2FA enrolment is no change; turning 2FA off and on again holds the next withdrawal (only that one) for an admin', async () => {
    const user = await signUp();
    let code = await enrol(user);
    await credit(user.token, 'USDC', '100');
    const first = await withdraw(user, code(), '5');
    expect(first.errors).toBeUndefined();
    expect([first.data.requestWithdrawal.status, first.data.requestWithdrawal.holdReason]).toEqual(['requested', null]);

    expect((await gql('mutation ($code: String!) { disableTwoFactor(code: $code) }', { code: code() }, { token: user.token })).data.disableTwoFactor).toBe(true);
    code = await enrol(user);
    const held = await withdraw(user, code(), '5');
    expect(held.errors).toBeUndefined();
    expect(held.data.requestWithdrawal.status).toBe('held');
    expect(held.data.requestWithdrawal.holdReason).toMatch(/first withdrawal after a password or two-factor change/);
    // Debited all the same (6 and 6 of 100).
    expect(await available(user)).toBe('88');
    const next = await withdraw(user, code(), '5');
    expect([next.data.requestWithdrawal.status, next.data.requestWithdrawal.holdReason]).toEqual(['requested', null]);

    // withdrawalUpdated(id): its state now (held), then its changes; another user's is NOT_FOUND.
    const ws = wsClient(user.token);
    const updates = collect(ws, 'subscription ($id: ID!) { withdrawalUpdated(id: $id) { id status } }', { id: held.data.requestWithdrawal.id });
    await updates.waitFor(1);
    expect(updates.results[0].data.withdrawalUpdated).toEqual({ id: held.data.requestWithdrawal.id, status: 'held' });
    const stranger = await signUp();
    const strangerWs = wsClient(stranger.token);
    const denied = collect(strangerWs, 'subscription ($id: ID!) { withdrawalUpdated(id: $id) { id status } }', { id: held.data.requestWithdrawal.id });
    await denied.waitFor(1);
    expect(JSON.stringify(denied.results[0]?.errors ?? denied.error)).toContain('NOT_FOUND');

    const admin = await rootAdmin();
    const approved = await gql('mutation ($id: ID!) { approveWithdrawal(id: $id) { status } }', { id: held.data.requestWithdrawal.id }, { token: admin.token });
    expect(approved.data.approveWithdrawal.status).toBe('requested');
    await updates.waitFor(2);
    expect(updates.results[1].data.withdrawalUpdated.status).toBe('requested');
    updates.unsubscribe();
    await ws.dispose();
    await strangerWs.dispose();
  });

  it('a KYC level 0 user may withdraw at most 5 ETH in 24 hours (FUNDING_WITHDRAWAL_KYC_DAILY_LIMITS of the test system): past it WITHDRAWAL_LIMIT_EXCEEDED with the level and what is left, nothing debited', async () => {
    const user = await signUp();
    const code = await enrol(user);
    await credit(user.token, 'ETH', '10');
    const over = await withdraw(user, code(), '5.5', 'ETH');
    expect(over.errors?.[0]?.extensions).toMatchObject({ code: 'WITHDRAWAL_LIMIT_EXCEEDED', kycLevel: 0, limit: '5', remaining: '5' });
    expect(await available(user, 'ETH')).toBe('10');
    const within = await withdraw(user, code(), '1', 'ETH');
    expect(within.errors).toBeUndefined();
    const past = await withdraw(user, code(), '4.5', 'ETH');
    expect(past.errors?.[0]?.extensions).toMatchObject({ code: 'WITHDRAWAL_LIMIT_EXCEEDED', kycLevel: 0, remaining: '4' });
    expect(Number(await available(user, 'ETH'))).toBeGreaterThan(8.9);
  });
});
