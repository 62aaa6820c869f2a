import { DomainError, type DepositStatus } from '@tradegraph/shared/domain';
import { createEventBus } from '@tradegraph/shared';
import {
  DEPOSIT_STATUSES,
  canMove,
  confirmationsAt,
  creditKey,
  decimalToUnits,
  initialStatus,
  isFinal,
  moveDeposit,
  statusWithConfirmations,
  unitsToDecimal,
  validateDepositAmount,
} from '../src/domain/deposits';
import { DepositUpdates, depositEvent } from '../src/events/deposit-updates';

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}

describe('deposit status transitions', () => {
  it('allows exactly the moves of the life of a deposit', () => {
    const allowed = DEPOSIT_STATUSES.flatMap((from) => DEPOSIT_STATUSES.filter((to) => canMove(from, to)).map((to) => `${from}→${to}`));
    expect(allowed.sort()).toEqual(
      [
        'detected→confirming',
        'detected→confirmed',
        'detected→reversed',
        'confirming→confirmed',
        'confirming→reversed',
        'confirmed→swapping',
        'confirmed→credited',
        'confirmed→failed',
        'confirmed→reversed',
        'confirmed→unsupported_token',
        'swapping→credited',
        'swapping→failed',
        'swapping→reversed',
        'swapping→unsupported_token',
        'failed→confirmed',
        'reversed→detected',
      ].sort(),
    );
  });

  it('keeps credited, dust and unsupported final: a move out of them is a CONFLICT naming both ends', () => {
    expect(DEPOSIT_STATUSES.filter(isFinal)).toEqual(['credited', 'ignored_dust', 'unsupported_token']);
    for (const [from, to] of [
      ['credited', 'reversed'],
      ['credited', 'confirmed'],
      ['ignored_dust', 'credited'],
      ['detected', 'credited'],
      ['reversed', 'credited'],
    ] as [DepositStatus, DepositStatus][]) {
      const error = refusal(() => moveDeposit(from, to));
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toBe(`A ${from} deposit cannot become ${to}`);
      expect(error.details).toEqual({ from, to });
    }
  });

  it('counts confirmations from the head, the deposit block included', () => {
    expect(confirmationsAt(10, 9)).toBe(0);
    expect(confirmationsAt(10, 10)).toBe(1);
    expect(confirmationsAt(10, 12)).toBe(3);
  });

  it('moves detected → confirming → confirmed with confirmations, and nothing else', () => {
    expect(statusWithConfirmations('detected', 0, 3)).toBe('detected');
    expect(statusWithConfirmations('detected', 1, 3)).toBe('confirming');
    expect(statusWithConfirmations('confirming', 2, 3)).toBe('confirming');
    expect(statusWithConfirmations('confirming', 3, 3)).toBe('confirmed');
    expect(statusWithConfirmations('detected', 40, 3)).toBe('confirmed');
    for (const status of ['confirmed', 'swapping', 'credited', 'failed', 'reversed'] as DepositStatus[]) {
      expect(statusWithConfirmations(status, 50, 3)).toBe(status);
    }
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(refusal(() => statusWithConfirmations('detected', bad, 3))).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'confirmations' } });
    }
  });

  it('records a transfer below the minimum as dust', () => {
    expect(initialStatus(999n, 1000n)).toBe('ignored_dust');
    expect(initialStatus(1000n, 1000n)).toBe('detected');
  });

  it('derives the credit key from the identity on chain only', () => {
    expect(creditKey('ethereum', '0xABCDEF', 3)).toBe('deposit:ethereum:0xabcdef:3');
    expect(creditKey('ethereum', '0xabcdef', -1)).toBe('deposit:ethereum:0xabcdef:-1');
  });
});

describe('token amounts', () => {
  it('turns units into decimals and back without loss', () => {
    expect(unitsToDecimal(1_500_000n, 6)).toBe('1.5');
    expect(unitsToDecimal(1n, 18)).toBe('0.000000000000000001');
    expect(unitsToDecimal(3_000_000n, 6)).toBe('3');
    expect(unitsToDecimal(0n, 6)).toBe('0');
    expect(unitsToDecimal(123n, 0)).toBe('123');
    expect(decimalToUnits('1.5', 6)).toBe(1_500_000n);
    expect(decimalToUnits('0.000000000000000001', 18)).toBe(1n);
    for (const units of [0n, 1n, 10n ** 30n + 7n]) expect(decimalToUnits(unitsToDecimal(units, 18), 18)).toBe(units);
  });

  it('refuses more decimal places than the token has, and non-decimals, on the field', () => {
    expect(refusal(() => decimalToUnits('0.0000001', 6))).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'amount' } });
    for (const bad of ['-1', '1e3', 'ten', '']) expect(refusal(() => decimalToUnits(bad, 6, 'x'))).toMatchObject({ details: { field: 'x' } });
  });

  it('accepts positive deposit amounts that fit numeric(38,18)', () => {
    expect(validateDepositAmount(' 0.000000000000000001 ')).toBe('0.000000000000000001');
    for (const amount of ['0', '-5', '100000000000000000000']) {
      expect(refusal(() => validateDepositAmount(amount))).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'amount' } });
    }
  });
});

describe('deposit updates', () => {
  it("follows one user's channel only, with the deposit as its event", async () => {
    const bus = createEventBus(undefined);
    const updates = new DepositUpdates(bus);
    const mine = updates.of('user-a');
    const facts = {
      id: 'd1',
      userId: 'user-a',
      asset: 'USDC',
      network: 'arbitrum',
      amount: '25',
      status: 'confirming' as const,
      confirmations: 1,
      requiredConfirmations: 2,
      txHash: '0xabc',
      creditedAmount: null,
      swap: null,
      createdAt: new Date('2026-11-21T00:00:00.000Z'),
      updatedAt: new Date('2026-11-21T00:00:01.000Z'),
    };
    const next = mine.next();
    // The subscription starts on the first read; give it a turn before publishing.
    await new Promise((resolve) => setImmediate(resolve));
    await updates.publish([{ ...facts, userId: 'user-b' }, facts]);
    await expect(next).resolves.toEqual({
      value: { ...facts, createdAt: '2026-11-21T00:00:00.000Z', updatedAt: '2026-11-21T00:00:01.000Z' },
      done: false,
    });
    expect(depositEvent(facts).createdAt).toBe('2026-11-21T00:00:00.000Z');
    await mine.return?.();
  });
});
