import { getAddress } from 'ethers';
import { DomainError } from '@tradegraph/shared/domain';
import {
  checkAddressBook,
  checkDailyLimit,
  checkKycDailyLimit,
  kycDailyLimit,
  parseKycDailyLimits,
  securityHoldReason,
  holdReasonOf,
  bumpedFees,
  ceilToEngine,
  moveWithdrawal,
  networkFeeOf,
  parseWithdrawalFees,
  unitsText,
  unitsToChain,
  withdrawalAddress,
  withdrawalAmountUnits,
} from '../src/domain/withdrawals';

const codeOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
  return 'none';
};

describe('withdrawal rules', () => {
  it('takes a positive amount with at most the asset’s (and the engine’s 8) decimal places', () => {
    expect(unitsText(withdrawalAmountUnits('10.5', 6))).toBe('10.5');
    expect(unitsText(withdrawalAmountUnits('0.12345678', 18))).toBe('0.12345678');
    expect(unitsText(withdrawalAmountUnits('1.50000000000', 6))).toBe('1.5');
    for (const bad of ['0', '0.000', '-1', '1.1234567', 'abc', '', '1e3']) expect([bad, codeOf(() => withdrawalAmountUnits(bad, 6))]).toEqual([bad, 'WITHDRAWAL_INVALID_AMOUNT']);
    expect(codeOf(() => withdrawalAmountUnits('0.123456789', 18))).toBe('WITHDRAWAL_INVALID_AMOUNT');
  });

  it('takes an address in one case or with a right EIP-55 checksum, and answers it checksummed', () => {
    const address = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
    expect(withdrawalAddress(address, getAddress)).toBe(address);
    expect(withdrawalAddress(address.toLowerCase(), getAddress)).toBe(address);
    expect(withdrawalAddress(`0x${address.slice(2).toUpperCase()}`, getAddress)).toBe(address);
    const wrong = address.replace('F', 'f');
    for (const bad of [wrong, '0x1234', 'hello', `0x${'0'.repeat(40)}`]) expect([bad, codeOf(() => withdrawalAddress(bad, getAddress))]).toEqual([bad, 'WITHDRAWAL_INVALID_ADDRESS']);
  });

  it('prices the network fee from gas × fee per gas plus the margin, rounded up to the engine’s places', () => {
    // 21,000 gas × 2 gwei = 0.000042 ETH; +20 % = 0.0000504.
    expect(unitsText(networkFeeOf({ gasLimit: 21_000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1n }, 2000, 18))).toBe('0.0000504');
    expect(unitsText(ceilToEngine(1n))).toBe('0.00000001');
    expect(unitsToChain(withdrawalAmountUnits('10', 6), 6)).toBe(10_000_000n);
  });

  it('reads the exchange fees, and refuses a malformed list', () => {
    const fees = parseWithdrawalFees('ETH:0.0001, USDC:1');
    expect(unitsText(fees.get('ETH')!)).toBe('0.0001');
    expect(unitsText(fees.get('USDC')!)).toBe('1');
    expect(() => parseWithdrawalFees('USDC=1')).toThrow(/FUNDING_WITHDRAWAL_FEES/);
  });

  it('bumps a replacement’s fees by a quarter at least, never below the current price', () => {
    const bumped = bumpedFees({ maxFeePerGas: 100n, maxPriorityFeePerGas: 10n }, { maxFeePerGas: 50n, maxPriorityFeePerGas: 5n });
    expect(bumped).toEqual({ maxFeePerGas: 126n, maxPriorityFeePerGas: 13n });
    expect(bumpedFees({ maxFeePerGas: 100n, maxPriorityFeePerGas: 10n }, { maxFeePerGas: 500n, maxPriorityFeePerGas: 50n })).toEqual({ maxFeePerGas: 500n, maxPriorityFeePerGas: 50n });
  });

  it('moves only forward: requested → signed → broadcast → completed, or failed; nothing leaves a final status', () => {
    expect(moveWithdrawal('requested', 'signed')).toBe('signed');
    expect(moveWithdrawal('broadcast', 'failed')).toBe('failed');
    expect(() => moveWithdrawal('completed', 'failed')).toThrow();
    expect(() => moveWithdrawal('requested', 'completed')).toThrow();
  });

  it('holds above the threshold or beyond the velocity; refuses past the daily limit; the address book cools off and may be the only way', () => {
    const units = (amount: string) => withdrawalAmountUnits(amount, 18);
    const holdAbove = parseWithdrawalFees('USDC:1000');
    expect(holdReasonOf('USDC', units('1000'), holdAbove, 0, 5)).toBeNull();
    expect(holdReasonOf('USDC', units('1000.01'), holdAbove, 0, 5)).toBe('above 1000 USDC');
    expect(holdReasonOf('ETH', units('1'), holdAbove, 4, 5)).toBeNull();
    expect(holdReasonOf('ETH', units('1'), holdAbove, 5, 5)).toBe('more than 5 withdrawals in an hour');
    const limits = parseWithdrawalFees('USDC:100');
    expect(codeOf(() => checkDailyLimit('USDC', units('40'), units('60'), limits))).toBe('none');
    expect(codeOf(() => checkDailyLimit('USDC', units('40.01'), units('60'), limits))).toBe('WITHDRAWAL_LIMIT_EXCEEDED');
    expect(codeOf(() => checkDailyLimit('ETH', units('1000000'), 0n, limits))).toBe('none');
    const now = new Date();
    expect(codeOf(() => checkAddressBook({ usableFrom: new Date(now.getTime() + 1000) }, false, now))).toBe('WITHDRAWAL_ADDRESS_COOLING_OFF');
    expect(codeOf(() => checkAddressBook({ usableFrom: new Date(now.getTime() - 1000) }, true, now))).toBe('none');
    expect(codeOf(() => checkAddressBook(null, false, now))).toBe('none');
    expect(codeOf(() => checkAddressBook(null, true, now))).toBe('WITHDRAWAL_ADDRESS_NOT_ALLOWED');
  });
});

describe('KYC-level limits and holds after a security change', () => {
  const limits = parseKycDailyLimits('0/USDC:10000,0/ETH:5,2/USDC:100000');
  const u = (n: string) => BigInt(n) * 10n ** 18n;

  it('parses levels and takes the nearest lower level with an entry', () => {
    expect(kycDailyLimit(limits, 0, 'USDC')).toBe(u('10000'));
    expect(kycDailyLimit(limits, 1, 'USDC')).toBe(u('10000'));
    expect(kycDailyLimit(limits, 3, 'USDC')).toBe(u('100000'));
    expect(kycDailyLimit(limits, 3, 'ETH')).toBe(u('5'));
    expect(kycDailyLimit(limits, 0, 'USDT')).toBeUndefined();
    expect(() => parseKycDailyLimits('USDC:5')).toThrow(/KYC_DAILY_LIMITS/);
  });

  it('refuses past the level limit with the level, the limit and what is left', () => {
    expect(() => checkKycDailyLimit('USDC', u('1'), u('9999'), 0, limits)).not.toThrow();
    try {
      checkKycDailyLimit('USDC', u('2'), u('9999'), 0, limits);
      throw new Error('not refused');
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('WITHDRAWAL_LIMIT_EXCEEDED');
      expect((error as DomainError).details).toMatchObject({ kycLevel: 0, limit: '10000', remaining: '1' });
    }
    expect(() => checkKycDailyLimit('USDC', u('50000'), 0n, 2, limits)).not.toThrow();
  });

  it('holds only the first withdrawal after a change', () => {
    expect(securityHoldReason(null, 0)).toBeNull();
    expect(securityHoldReason(new Date('2026-12-01T00:00:00Z'), 0)).toMatch(/first withdrawal after a password or two-factor change/);
    expect(securityHoldReason(new Date('2026-12-01T00:00:00Z'), 1)).toBeNull();
  });
});
