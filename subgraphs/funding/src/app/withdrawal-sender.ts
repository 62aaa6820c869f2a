import type { MikroORM } from '@mikro-orm/postgresql';
import { toUnits, type ChainSpec, type Logger } from '@tradegraph/shared';
import { bumpedFees, unitsToChain, type FeeEstimate } from '../domain/withdrawals';
import { accounts, chainToUnits, networkFeeEntry, withdrawalSentEntry } from '../domain/ledger';
import {
  claimWithdrawals,
  lockNextNonce,
  markBroadcast,
  openWithdrawals,
  recordSignedTx,
  storeNextNonce,
  txsOf,
  withdrawalCall,
  changeWithdrawal,
  gasLimitOf,
  postEntries,
  type HotWallet,
  type WithdrawalChain,
  type WithdrawalRecord,
} from '../infra';
import type { WithdrawalChanges } from './withdrawal-changes';
import type { Withdrawals } from './withdrawals';

/** Where a test stops the process with SIGKILL (FUNDING_WITHDRAWAL_FAULT; never in production). */
export type WithdrawalFault = 'none' | 'after-sign' | 'after-broadcast';

export interface SenderSettings {
  intervalMs: number;
  stuckSeconds: number;
  fault: WithdrawalFault;
}

/**
 * One chain's withdrawals from the hot wallet (docs/architecture.md, "Withdrawals"). Each pass:
 *
 * 1. sign — locked `requested` withdrawals, in one transaction: take the chain's next nonce
 *    (row-locked), sign each offline with the next one, record the raw transaction and move the
 *    withdrawal to `signed`, write the nonce back. Nothing is sent before this commits, so a crash
 *    loses nothing but the signature: the nonce was never used.
 * 2. broadcast — `signed` withdrawals: send the recorded raw transaction (the same bytes, the same
 *    hash after any restart: a node that has it already says so), then `broadcast`.
 * 3. track — `broadcast` withdrawals: a receipt with status 1 and the chain's confirmations is
 *    `completed`; status 0 is `failed` and the debit is given back; the nonce used by none of its
 *    transactions is `failed` (dropped); unmined for FUNDING_WITHDRAWAL_STUCK_SECONDS is replaced
 *    by a transaction with the same nonce and fees bumped 25 %.
 */
export class WithdrawalSender {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly spec: ChainSpec,
    private readonly chain: WithdrawalChain,
    private readonly hotWallet: HotWallet,
    private readonly withdrawals: Withdrawals,
    private readonly changes: WithdrawalChanges,
    private readonly settings: SenderSettings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.pass()
        .catch((error: unknown) => this.logger.warn({ err: error, chain: this.spec.name }, 'withdrawal pass failed'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(loop, this.settings.intervalMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private fault(at: WithdrawalFault): void {
    if (this.settings.fault === at) {
      this.logger.warn({ at }, 'FUNDING_WITHDRAWAL_FAULT: killing the process');
      process.kill(process.pid, 'SIGKILL');
    }
  }

  async pass(): Promise<void> {
    await this.withdrawals.recover(this.spec.name);
    await this.sign();
    await this.broadcast();
    await this.track();
  }

  private tokenOf(asset: string): { token: string | null; decimals: number } {
    if (asset === this.spec.native.symbol) return { token: null, decimals: this.spec.native.decimals };
    const token = this.spec.tokens.find((t) => t.symbol === asset);
    if (!token) throw new Error(`${asset} is not an asset of ${this.spec.name}`);
    return { token: token.address, decimals: token.decimals };
  }

  private callOf(w: WithdrawalRecord) {
    const { token, decimals } = this.tokenOf(w.asset);
    return withdrawalCall(token, w.toAddress, unitsToChain(toUnits(w.amount), decimals));
  }

  private async sign(): Promise<void> {
    const from = this.hotWallet.address;
    let fees: FeeEstimate | null = null;
    const signed = await this.changes.inTransaction(async (em) => {
      const due = await claimWithdrawals(em, this.spec.name, 'requested', 50);
      if (due.length === 0) return [];
      // One estimate per batch for the fees per gas; each call its own gas limit.
      fees ??= await this.chain.estimate(from, this.callOf(due[0]));
      let nonce = await lockNextNonce(em, this.spec.name, from, () => this.chain.pendingCount(from));
      const moved: WithdrawalRecord[] = [];
      for (const w of due) {
        const call = this.callOf(w);
        const { gasLimit } = await this.chain.estimate(from, call);
        const { rawTx, txHash } = await this.hotWallet.sign({
          chainId: this.spec.chainId,
          nonce,
          ...call,
          gasLimit,
          maxFeePerGas: fees.maxFeePerGas,
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
        });
        this.fault('after-sign');
        await recordSignedTx(em, { txHash, withdrawalId: w.id, chain: this.spec.name, fromAddress: from, nonce, rawTx, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas });
        const row = await changeWithdrawal(em, w.id, 'requested', { status: 'signed', txHash, fromAddress: from, nonce });
        if (!row) throw new Error(`withdrawal ${w.id} moved while it was being signed`);
        moved.push(row);
        nonce++;
      }
      await storeNextNonce(em, this.spec.name, from, nonce);
      await this.changes.record(em, moved);
      return moved;
    });
    if (signed.length > 0) {
      this.logger.info({ chain: this.spec.name, withdrawals: signed.map((w) => [w.id, w.nonce]) }, 'withdrawals signed');
      await this.changes.announce(signed);
    }
  }

  private async broadcast(): Promise<void> {
    for (const w of await openWithdrawals(this.em(), this.spec.name, 'signed')) {
      const txs = await txsOf(this.em(), w.id);
      const tx = txs.find((t) => t.txHash === w.txHash) ?? txs[txs.length - 1];
      if (!tx) continue;
      const outcome = await this.chain.broadcast(tx.rawTx);
      this.fault('after-broadcast');
      await this.changes.move(w, { status: 'broadcast' }, (inner) => markBroadcast(inner, tx.txHash));
      this.logger.info({ withdrawal: w.id, txHash: tx.txHash, nonce: tx.nonce, outcome }, 'withdrawal broadcast');
    }
  }

  private em() {
    return this.orm.em.fork();
  }

  private async track(): Promise<void> {
    const open = await openWithdrawals(this.em(), this.spec.name, 'broadcast');
    if (open.length === 0) return;
    const head = await this.chain.head();
    for (const w of open) {
      const txs = await txsOf(this.em(), w.id);
      let mined: { txHash: string; blockNumber: number; status: number; gasCost: bigint } | null = null;
      for (const tx of txs) {
        const receipt = await this.chain.receipt(tx.txHash);
        if (receipt) mined = { txHash: tx.txHash, ...receipt };
      }
      if (mined && mined.status !== 1) {
        const gas = this.gasEntry(w, mined);
        const failed = await this.changes.move(w, { status: 'failed', txHash: mined.txHash, blockNumber: mined.blockNumber, failure: 'the transaction reverted' }, (em) =>
          postEntries(em, [gas]).then(() => undefined),
        );
        if (failed) await this.withdrawals.release(failed);
        continue;
      }
      if (mined) {
        const confirmations = Math.max(0, head - mined.blockNumber + 1);
        if (confirmations >= w.requiredConfirmations) {
          // The ledger: the amount left the hot wallet, the fees are earned, the gas is paid — with the move.
          const entries = [withdrawalSentEntry(w), this.gasEntry(w, mined)];
          await this.changes.move(w, { status: 'completed', txHash: mined.txHash, blockNumber: mined.blockNumber, confirmations }, (em) =>
            postEntries(em, entries).then(() => undefined),
          );
        } else if (confirmations !== w.confirmations || mined.txHash !== w.txHash) {
          await this.changes.move(w, { status: 'broadcast', txHash: mined.txHash, blockNumber: mined.blockNumber, confirmations });
        }
        continue;
      }
      if (w.nonce !== null && (await this.chain.minedCount(this.hotWallet.address)) > w.nonce) {
        // The nonce is used, but by none of ours (asked again: one may have been mined meanwhile).
        const late = (await Promise.all(txs.map((tx) => this.chain.receipt(tx.txHash)))).some(Boolean);
        if (!late) {
          const failed = await this.changes.move(w, { status: 'failed', failure: 'the transaction was dropped: its nonce was used by another' });
          if (failed) await this.withdrawals.release(failed);
        }
        continue;
      }
      const latest = txs[txs.length - 1];
      if (latest && latest.createdAt.getTime() < Date.now() - this.settings.stuckSeconds * 1000) await this.replace(w, latest);
    }
  }

  /** What the mined transaction's gas cost the hot wallet, as a ledger entry (null when nothing). */
  private gasEntry(w: WithdrawalRecord, mined: { txHash: string; gasCost: bigint }) {
    const native = this.spec.native;
    return networkFeeEntry(`withdrawal:${w.id}:gas`, this.spec.name, native.symbol, accounts.hotWallet(this.spec.name, native.symbol), chainToUnits(mined.gasCost, native.decimals));
  }

  /** A stuck transaction: the same nonce and call again, with fees bumped, recorded before it is sent. */
  private async replace(w: WithdrawalRecord, latest: { txHash: string; nonce: number; rawTx: string; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }): Promise<void> {
    const call = this.callOf(w);
    const estimate = await this.chain.estimate(this.hotWallet.address, call);
    const fees = bumpedFees(latest, estimate);
    // Never less gas than the transaction it replaces was given.
    const previousGas = gasLimitOf(latest.rawTx);
    const gasLimit = estimate.gasLimit > previousGas ? estimate.gasLimit : previousGas;
    const { rawTx, txHash } = await this.hotWallet.sign({ chainId: this.spec.chainId, nonce: latest.nonce, ...call, gasLimit, ...fees });
    const moved = await this.changes.move(w, { status: 'broadcast', txHash }, (em) =>
      recordSignedTx(em, { txHash, withdrawalId: w.id, chain: this.spec.name, fromAddress: this.hotWallet.address, nonce: latest.nonce, rawTx, ...fees }),
    );
    if (!moved) return;
    const outcome = await this.chain.broadcast(rawTx).catch((error: unknown) => `refused: ${(error as Error).message}`);
    await markBroadcast(this.em(), txHash);
    this.logger.warn({ withdrawal: w.id, replaced: latest.txHash, txHash, nonce: latest.nonce, outcome }, 'stuck withdrawal replaced with a bumped fee');
  }
}
