import fc from 'fast-check';
import { toUnits } from '@tradegraph/shared/domain';
import {
  accounts,
  assertBalanced,
  depositCreditEntry,
  networkFeeEntry,
  reconcileAsset,
  sweepEntry,
  sweepGasEntry,
  treasuryFundingEntry,
  withdrawalDebitEntry,
  withdrawalReleaseEntry,
  withdrawalSentEntry,
  type LedgerEntry,
} from '../src/domain/ledger';

const USER = '00000000-0000-4000-8000-000000000001';
const w = { id: 'w1', userId: USER, chain: 'ethereum', asset: 'USDC', amount: '10', exchangeFee: '1', networkFee: '0', total: '11' };

function balances(entries: LedgerEntry[], asset: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const e of entries) for (const p of e.postings) if (p.asset === asset) out.set(p.account, (out.get(p.account) ?? 0n) + p.amount);
  return out;
}

describe('ledger posting rules', () => {
  it('credits a settlement-asset deposit as it came: the deposit address holds it, the user is owed it', () => {
    const e = depositCreditEntry({ id: 'd1', userId: USER, chain: 'arbitrum', asset: 'USDC', amount: '25.5', creditedAmount: '25.5', creditedAsset: 'USDC', swapFee: null });
    expect(e.source).toBe('deposit:d1:credit');
    expect(e.postings).toEqual([
      { account: 'deposit-address:arbitrum:USDC', asset: 'USDC', amount: toUnits('25.5') },
      { account: `user:${USER}:USDC`, asset: 'USDC', amount: -toUnits('25.5') },
    ]);
  });

  it('credits a swapped deposit through clearing:swap, the swap fee to fees, balanced per asset', () => {
    const e = depositCreditEntry({ id: 'd2', userId: USER, chain: 'ethereum', asset: 'ETH', amount: '0.5', creditedAmount: '1498.5', creditedAsset: 'USDC', swapFee: '1.5' });
    expect(balances([e], 'ETH')).toEqual(new Map([['deposit-address:ethereum:ETH', toUnits('0.5')], ['clearing:swap', -toUnits('0.5')]]));
    expect(balances([e], 'USDC')).toEqual(
      new Map([
        ['clearing:swap', toUnits('1500')],
        [`user:${USER}:USDC`, -toUnits('1498.5')],
        ['fees:USDC', -toUnits('1.5')],
      ]),
    );
  });

  it('withdrawal: debit → sent leaves the user debited, the hot wallet short of the amount and the fee earned; debit → release nets to nothing', () => {
    const sent = balances([withdrawalDebitEntry(w), withdrawalSentEntry(w)], 'USDC');
    expect(sent.get(`user:${USER}:USDC`)).toBe(toUnits('11'));
    expect(sent.get('hot-wallet:ethereum:USDC')).toBe(-toUnits('10'));
    expect(sent.get('fees:USDC')).toBe(-toUnits('1'));
    expect(sent.get(accounts.pendingWithdrawals('USDC'))).toBe(0n);
    const released = balances([withdrawalDebitEntry(w), withdrawalReleaseEntry(w)], 'USDC');
    expect([...released.values()].every((v) => v === 0n)).toBe(true);
    expect(new Set([withdrawalDebitEntry(w), withdrawalSentEntry(w), withdrawalReleaseEntry(w)].map((e) => e.source)).size).toBe(3);
  });

  it('gas, sweeps and treasury funding balance; a zero gas cost is no entry; an unbalanced entry throws', () => {
    expect(networkFeeEntry('x', 'ethereum', 'ETH', 'hot-wallet:ethereum:ETH', 0n)).toBeNull();
    const gas = networkFeeEntry('x', 'ethereum', 'ETH', 'hot-wallet:ethereum:ETH', 21000n * 10n ** 9n)!;
    expect(balances([gas], 'ETH').get('network-fees:ethereum:ETH')).toBe(21000n * 10n ** 9n);
    for (const e of [sweepEntry('ethereum', '0xAB', 'USDC', 5n), sweepGasEntry('ethereum', '0xCD', 'ETH', 7n), treasuryFundingEntry('ethereum', '0xEF', 'ETH', 9n)]) expect(assertBalanced(e)).toBe(e);
    expect(() => assertBalanced({ source: 's', kind: 'sweep', postings: [{ account: 'a', asset: 'X', amount: 1n }, { account: 'b', asset: 'X', amount: -2n }] })).toThrow(/off by/);
    expect(() => assertBalanced({ source: 's', kind: 'sweep', postings: [{ account: 'a', asset: 'X', amount: 1n }, { account: 'b', asset: 'Y', amount: -1n }] })).toThrow(/off by/);
  });

  it('property: any sequence of deposits, withdrawals sent or released keeps every entry balanced, and the users owed equals deposits credited − withdrawals sent', () => {
    const amount = fc.bigInt({ min: 1n, max: 10n ** 24n });
    const op = fc.oneof(
      fc.record({ kind: fc.constant('deposit' as const), user: fc.integer({ min: 0, max: 3 }), amount }),
      fc.record({ kind: fc.constant('withdraw' as const), user: fc.integer({ min: 0, max: 3 }), amount, fee: fc.bigInt({ min: 0n, max: 10n ** 18n }), sent: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const entries: LedgerEntry[] = [];
        let owed = 0n;
        let fees = 0n;
        ops.forEach((o, i) => {
          const user = `00000000-0000-4000-8000-00000000000${o.user}`;
          const text = (u: bigint) => `${u / 10n ** 18n}.${(u % 10n ** 18n).toString().padStart(18, '0')}`;
          if (o.kind === 'deposit') {
            entries.push(depositCreditEntry({ id: `d${i}`, userId: user, chain: 'arbitrum', asset: 'USDC', amount: text(o.amount), creditedAmount: text(o.amount), creditedAsset: 'USDC', swapFee: null }));
            owed += o.amount;
            return;
          }
          const wd = { id: `w${i}`, userId: user, chain: 'arbitrum', asset: 'USDC', amount: text(o.amount), exchangeFee: text(o.fee), networkFee: '0', total: text(o.amount + o.fee) };
          entries.push(withdrawalDebitEntry(wd), o.sent ? withdrawalSentEntry(wd) : withdrawalReleaseEntry(wd));
          if (o.sent) {
            owed -= o.amount + o.fee;
            fees += o.fee;
          }
        });
        for (const e of entries) assertBalanced(e);
        const ledger = balances(entries, 'USDC');
        const held = ledger.get('deposit-address:arbitrum:USDC') ?? 0n;
        const hot = ledger.get('hot-wallet:arbitrum:USDC') ?? 0n;
        const line = reconcileAsset('USDC', { available: owed, locked: 0n, fees: 0n, otherAdjustments: 0n }, ledger, [{ chain: 'arbitrum', hotWalletOnChain: hot, depositAddressesOnChain: held }]);
        expect(line.engineDifference).toBe(0n);
        expect(line.chainDifference).toBe(0n);
        expect(line.ledgerFees).toBe(fees);
        expect(line.ledgerPendingWithdrawals).toBe(0n);
      }),
      { numRuns: 200 },
    );
  });

  it('reconciliation: a deposit on chain not yet credited and a demo credit are differences, each on its side', () => {
    const ledger = balances([depositCreditEntry({ id: 'd', userId: USER, chain: 'arbitrum', asset: 'USDC', amount: '5', creditedAmount: '5', creditedAsset: 'USDC', swapFee: null })], 'USDC');
    const line = reconcileAsset('USDC', { available: toUnits('105'), locked: toUnits('2'), fees: toUnits('1'), otherAdjustments: toUnits('100') }, ledger, [
      { chain: 'arbitrum', hotWalletOnChain: 0n, depositAddressesOnChain: toUnits('8') },
    ]);
    expect(line.engineDifference).toBe(toUnits('3'));
    expect(line.chainDifference).toBe(toUnits('3'));
    expect(line.chains[0]).toMatchObject({ chain: 'arbitrum', depositAddressesLedger: toUnits('5'), difference: toUnits('3') });
  });
});
