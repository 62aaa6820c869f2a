import { DomainError, type DepositStatus } from '@tradegraph/shared/domain';
import { createEventBus } from '@tradegraph/shared';
import { DEPOSIT_STATUSES, afterConfirmations, canMove, isFinal, moveDeposit, validateDepositAmount } from '../src/domain/deposits';
import { DepositUpdates } from '../src/events/deposit-updates';

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
  it('moves pending → confirmed → credited, and pending or confirmed → failed', () => {
    expect(moveDeposit('pending', 'confirmed')).toBe('confirmed');
    expect(moveDeposit('confirmed', 'credited')).toBe('credited');
    expect(moveDeposit('pending', 'failed')).toBe('failed');
    expect(moveDeposit('confirmed', 'failed')).toBe('failed');
  });

  it('allows exactly those four moves among all pairs of statuses', () => {
    const allowed = DEPOSIT_STATUSES.flatMap((from) => DEPOSIT_STATUSES.filter((to) => canMove(from, to)).map((to) => `${from}→${to}`));
    expect(allowed.sort()).toEqual(['confirmed→credited', 'confirmed→failed', 'pending→confirmed', 'pending→failed']);
  });

  it('keeps credited and failed final: a move out of them is a CONFLICT naming both ends', () => {
    expect(DEPOSIT_STATUSES.filter(isFinal)).toEqual(['credited', 'failed']);
    for (const [from, to] of [
      ['credited', 'pending'],
      ['failed', 'credited'],
      ['pending', 'credited'],
      ['confirmed', 'pending'],
      ['pending', 'pending'],
    ] as [DepositStatus, DepositStatus][]) {
      const error = refusal(() => moveDeposit(from, to));
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toBe(`A ${from} deposit cannot become ${to}`);
      expect(error.details).toEqual({ from, to });
    }
  });

  it('confirms a pending deposit once its confirmations reach the threshold, and only a pending one', () => {
    expect(afterConfirmations({ status: 'pending', confirmations: 0 }, 11, 12)).toEqual({ status: 'pending', confirmations: 11 });
    expect(afterConfirmations({ status: 'pending', confirmations: 11 }, 12, 12)).toEqual({ status: 'confirmed', confirmations: 12 });
    expect(afterConfirmations({ status: 'pending', confirmations: 0 }, 30, 12)).toEqual({ status: 'confirmed', confirmations: 30 });
    expect(afterConfirmations({ status: 'failed', confirmations: 3 }, 40, 12)).toEqual({ status: 'failed', confirmations: 40 });
    expect(afterConfirmations({ status: 'credited', confirmations: 12 }, 13, 12).status).toBe('credited');
  });

  it('refuses confirmations that go down or are not whole', () => {
    expect(refusal(() => afterConfirmations({ status: 'pending', confirmations: 5 }, 4, 12))).toMatchObject({
      code: 'CONFLICT',
      details: { confirmations: 5 },
    });
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(refusal(() => afterConfirmations({ status: 'pending', confirmations: 0 }, bad, 12))).toMatchObject({
        code: 'BAD_USER_INPUT',
        details: { field: 'confirmations' },
      });
    }
  });
});

describe('deposit amounts', () => {
  it('accepts positive decimals that fit numeric(38,18)', () => {
    expect(validateDepositAmount('25')).toBe('25');
    expect(validateDepositAmount(' 0.000000000000000001 ')).toBe('0.000000000000000001');
    expect(validateDepositAmount('99999999999999999999.999999999999999999')).toBe('99999999999999999999.999999999999999999');
  });

  it('refuses zero, negative, too precise, too large and non-decimal amounts on the amount field', () => {
    for (const amount of ['0', '0.000', '-5', '0.0000000000000000001', '100000000000000000000', '1e3', 'ten', '']) {
      expect(refusal(() => validateDepositAmount(amount))).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'amount' } });
    }
  });
});

describe('deposit updates', () => {
  it("follows one user's channel only", async () => {
    const bus = createEventBus(undefined);
    const updates = new DepositUpdates(bus);
    const mine = updates.of('user-a');
    const event = {
      id: 'd1',
      userId: 'user-a',
      asset: 'USDC',
      network: 'ethereum',
      amount: '25',
      status: 'pending' as const,
      confirmations: 1,
      txHash: '0xabc',
      createdAt: '2026-11-21T00:00:00.000Z',
    };
    const next = mine.next();
    // The subscription starts on the first read; give it a turn before publishing.
    await new Promise((resolve) => setImmediate(resolve));
    await bus.publish('funding.deposit.user-b', { ...event, userId: 'user-b' });
    await bus.publish('funding.deposit.user-a', event);
    await expect(next).resolves.toEqual({ value: event, done: false });
    await mine.return?.();
  });
});
