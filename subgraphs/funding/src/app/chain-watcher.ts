import type { MikroORM } from '@mikro-orm/postgresql';
import pLimit from 'p-limit';
import type { ChainSpec, Logger } from '@tradegraph/shared';
import { OPEN_STATUSES, confirmationsAt, statusWithConfirmations, unitsToDecimal } from '../domain/deposits';
import { nativeTransfers, statusOfNewTransfer, tokenTransfers, type Transfer } from '../domain/transfers';
import { chainCursor, openDeposits, saveChainCursor, type ChainClient, type ChainCursor, type DepositRecord, type NewDeposit } from '../infra';
import type { AddressBook } from './address-book';
import type { DepositChanges } from './deposit-changes';
import type { DepositSettlement } from './deposit-settlement';
import type { WatchMetrics } from './watch-metrics';

/** Deposit addresses whose swaps one pass runs at once. */
const FOLLOW_CONCURRENCY = 16;

export interface WatcherSettings {
  intervalMs: number;
  maxBlocksPerPass: number;
  /** The first block to read on a chain never read before. */
  startBlock: number;
}

/** What one pass did, for the bench and the logs. */
export interface PassReport {
  head: number;
  from: number;
  to: number;
  found: number;
  /** Whether blocks remain to read (catching up): the next pass runs at once. */
  behind: boolean;
}

/**
 * One chain's watcher. A pass:
 *  1. asks the head, and checks that the last block it read is still on the chain (a reorg, or a
 *     local chain restarted: it then steps back, to block 0 for a new chain);
 *  2. reads the next blocks (at most FUNDING_WATCH_MAX_BLOCKS) — every known token's Transfer
 *     logs in one call, each block's transactions in one batch — and records the transfers to
 *     deposit addresses with the new cursor in one transaction (a crash repeats the range, and
 *     recording is idempotent on (chain, transaction, log index));
 *  3. follows the open deposits: a deposit whose block is no longer on the chain is `reversed`;
 *     the others gather confirmations — every such move of the pass in one statement — and
 *     confirmed ones are settled: USDC on the settlement chain credited in batches (one request
 *     to matching, each credit under its own key, and one statement), others through the swap
 *     port address by address.
 * Passes follow each other every FUNDING_WATCH_INTERVAL_MS, at once while catching up; a failed
 * pass (node or database away) is retried with a growing delay, and the watcher starts from the
 * cursor in Postgres after a restart.
 */
export class ChainWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  private failures = 0;
  /** The head seen by the last pass (for reports that ask confirmations). */
  lastHead = -1;

  constructor(
    readonly chain: ChainSpec,
    private readonly client: ChainClient,
    private readonly orm: MikroORM,
    private readonly addresses: AddressBook,
    private readonly changes: DepositChanges,
    private readonly settlement: DepositSettlement,
    private readonly settings: WatcherSettings,
    private readonly logger: Logger,
    private readonly metrics?: WatchMetrics,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }

  /** Runs a pass now, unless one is running (then that one's result). */
  poke(): Promise<unknown> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      let next = this.settings.intervalMs;
      try {
        const report = (await this.poke()) as PassReport | undefined;
        if (this.failures > 0) this.logger.info({ chain: this.chain.name }, 'chain watcher reads its chain again');
        this.failures = 0;
        if (report?.behind) next = 0;
      } catch (error) {
        this.failures++;
        // Quiet while a node or the database is away: the first failure, then one in twenty.
        if (this.failures === 1 || this.failures % 20 === 0) {
          this.logger.warn({ err: error, chain: this.chain.name, failures: this.failures }, 'chain watcher pass failed; will retry');
        }
        next = Math.min(this.settings.intervalMs * 2 ** Math.min(this.failures, 6), 30_000);
      }
      this.schedule(next);
    }, delay);
    this.timer.unref();
  }

  async pass(): Promise<PassReport> {
    const callsBefore = this.client.calls;
    try {
      return await this.readAndFollow();
    } finally {
      this.metrics?.rpcCalls.inc({ chain: this.chain.name }, this.client.calls - callsBefore);
    }
  }

  private async readAndFollow(): Promise<PassReport> {
    const headReadAt = Date.now();
    const head = await this.client.head();
    this.lastHead = head;
    await this.addresses.refresh();
    let cursor = await this.cursorOnChain(head);
    const from = cursor.blockNumber + 1;
    const to = Math.min(head, from + this.settings.maxBlocksPerPass - 1);
    let found = 0;
    const knownHashes = new Map<number, string>();
    if (from <= to) {
      const [logs, blocks] = await Promise.all([this.client.transferLogs(from, to), this.client.blocks(from, to)]);
      for (const block of blocks) knownHashes.set(block.number, block.hash);
      // The logs and the blocks must describe the same chain: a reorganisation between the two
      // calls shows as a log from a block whose hash is not the one read; read again next pass.
      if (logs.some((log) => knownHashes.get(log.blockNumber) !== log.blockHash)) {
        throw new Error(`${this.chain.name} changed while blocks ${from}..${to} were read`);
      }
      const transfers = [
        ...tokenTransfers(logs, this.chain.tokens, this.addresses.isOurs),
        ...nativeTransfers(
          blocks.flatMap((block) => block.transactions),
          this.chain.native,
          this.addresses.isOurs,
        ),
      ];
      found = transfers.length;
      this.metrics?.blocks.inc({ chain: this.chain.name }, blocks.length);
      this.metrics?.found.inc({ chain: this.chain.name }, found);
      cursor = { blockNumber: to, blockHash: knownHashes.get(to)!, genesisHash: cursor.genesisHash };
      const next = cursor;
      await this.changes.recordFound(
        transfers.map((transfer) => this.newDeposit(transfer)),
        (em) => saveChainCursor(em, this.chain.name, next),
      );
    }
    await this.followOpenDeposits(head, knownHashes, headReadAt);
    return { head, from, to, found, behind: to < head };
  }

  private newDeposit(transfer: Transfer): NewDeposit {
    return {
      userId: this.addresses.ownerOf(transfer.to)!,
      chain: this.chain.name,
      asset: transfer.asset,
      amount: unitsToDecimal(transfer.units, transfer.decimals),
      status: statusOfNewTransfer(transfer),
      requiredConfirmations: this.chain.confirmations,
      txHash: transfer.txHash,
      logIndex: transfer.logIndex,
      tokenAddress: transfer.tokenAddress,
      fromAddress: transfer.from,
      toAddress: transfer.to,
      blockNumber: transfer.blockNumber,
      blockHash: transfer.blockHash,
    };
  }

  /**
   * The cursor, checked against the chain: unchanged when its block is still there with its
   * hash; otherwise stepped back far enough for any reorganisation to be re-read (twice the
   * confirmations, and at least 64 blocks), or to the start when block 0 changed (a new chain).
   */
  private async cursorOnChain(head: number): Promise<ChainCursor> {
    const stored = await chainCursor(this.orm.em.fork(), this.chain.name);
    const genesisHash = stored?.genesisHash ?? (await this.client.blockHash(0)) ?? '';
    const start: ChainCursor = { blockNumber: this.settings.startBlock - 1, blockHash: '', genesisHash };
    if (!stored) return start;
    const hash = stored.blockNumber <= head ? await this.client.blockHash(stored.blockNumber) : null;
    if (hash === stored.blockHash) return stored;
    const genesis = await this.client.blockHash(0);
    if (genesis !== stored.genesisHash) {
      this.logger.warn({ chain: this.chain.name, block: stored.blockNumber }, 'the chain is a new one (block 0 changed): reading it from the start');
      return { ...start, genesisHash: genesis ?? '' };
    }
    const back = Math.max(this.settings.startBlock - 1, Math.min(stored.blockNumber, head) - Math.max(64, 2 * this.chain.confirmations));
    this.logger.warn({ chain: this.chain.name, from: stored.blockNumber, to: back }, 'the chain reorganised: reading it again from an earlier block');
    const backHash = back >= 0 ? ((await this.client.blockHash(back)) ?? '') : '';
    return { blockNumber: back, blockHash: backHash, genesisHash: stored.genesisHash };
  }

  /** Reversals, confirmations and settlement of the chain's open deposits. */
  private async followOpenDeposits(head: number, knownHashes: Map<number, string>, headReadAt: number): Promise<void> {
    const open = (await openDeposits(this.orm.em.fork(), this.chain.name)).filter((d) => OPEN_STATUSES.includes(d.status));
    if (open.length === 0) return;
    // One hash per block with open deposits (few: those within the confirmation depth, plus
    // any waiting for a provider), asked together in one batch.
    const missing = [...new Set(open.map((d) => Number(d.blockNumber)))].filter((n) => !knownHashes.has(n) && n <= head);
    const hashes = await Promise.all(missing.map((n) => this.client.blockHash(n)));
    missing.forEach((n, i) => {
      if (hashes[i]) knownHashes.set(n, hashes[i]!);
    });
    // 1. Every move the new head makes (reversals, confirmations, confirmed) in one statement.
    const moves: Parameters<DepositChanges['moveMany']>[0][number][] = [];
    for (const deposit of open) {
      const block = Number(deposit.blockNumber);
      if (knownHashes.get(block) !== deposit.blockHash) {
        moves.push({ deposit, change: { status: 'reversed', failure: `block ${block} left the chain before the deposit was credited` } });
        continue;
      }
      const confirmations = confirmationsAt(block, head);
      const status = statusWithConfirmations(deposit.status, confirmations, deposit.requiredConfirmations);
      if (status !== deposit.status || (confirmations > deposit.confirmations && status === 'confirming')) {
        moves.push({ deposit, change: { status, confirmations } });
      }
    }
    const moved = await this.changes.moveMany(moves);
    const reversed = new Set(moves.filter((move) => move.change.status === 'reversed').map((move) => move.deposit.id));
    const asked = new Set(moves.map((move) => move.deposit.id));
    // 2. Settlement of what is confirmed (or swapping) now; a deposit another writer moved
    // meanwhile is left to the next pass.
    const toSettle: { before: DepositRecord; current: DepositRecord }[] = [];
    for (const deposit of open) {
      if (reversed.has(deposit.id)) continue;
      const current = asked.has(deposit.id) ? moved.get(deposit.id) : deposit;
      if (current && (current.status === 'confirmed' || current.status === 'swapping')) toSettle.push({ before: deposit, current });
    }
    const direct = toSettle.filter(({ current }) => current.status === 'confirmed' && this.settlement.isSettlementAsset(current));
    const swapped = toSettle.filter((entry) => !direct.includes(entry));
    const [credited] = await Promise.all([
      // USDC on the settlement chain: credited in batches (one request to matching, one statement).
      this.settlement.creditMany(direct.map(({ current }) => current)),
      this.swapEach(swapped, headReadAt),
    ]);
    for (const { before, current } of direct) {
      if (before.status !== 'confirmed' && credited.get(current.id)?.status === 'credited') {
        this.metrics?.creditSeconds.observe({ chain: this.chain.name }, (Date.now() - headReadAt) / 1000);
      }
    }
  }

  /**
   * Deposits that go through the swap port, deposit addresses side by side; one address's
   * deposits one after another, since a swap sends a transaction from that address (its nonces).
   */
  private async swapEach(entries: readonly { before: DepositRecord; current: DepositRecord }[], headReadAt: number): Promise<void> {
    if (entries.length === 0) return;
    const byAddress = new Map<string, { before: DepositRecord; current: DepositRecord }[]>();
    for (const entry of entries) {
      const address = (entry.current.toAddress ?? '').toLowerCase();
      const list = byAddress.get(address);
      if (list) list.push(entry);
      else byAddress.set(address, [entry]);
    }
    const limit = pLimit(FOLLOW_CONCURRENCY);
    await Promise.all(
      [...byAddress.values()].map((list) =>
        limit(async () => {
          for (const { before, current } of list) {
            try {
              const justConfirmed = before.status !== 'confirmed' && current.status === 'confirmed';
              const settled = await this.settlement.settle(current);
              if (justConfirmed && settled?.status === 'credited') {
                this.metrics?.creditSeconds.observe({ chain: this.chain.name }, (Date.now() - headReadAt) / 1000);
              }
            } catch (error) {
              // The others are not held up by one; this one is tried again next pass.
              this.logger.warn({ err: error, deposit: current.id }, 'deposit not settled yet; will retry');
            }
          }
        }),
      ),
    );
  }
}
