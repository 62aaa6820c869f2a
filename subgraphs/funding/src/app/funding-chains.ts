import type { MikroORM } from '@mikro-orm/postgresql';
import { DomainError, invalidInput, type ChainSpec, type Logger } from '@tradegraph/shared';
import { creditKey, decimalToUnits, unitsToDecimal } from '../domain/deposits';
import { NATIVE_LOG_INDEX, nativeTransfers, tokenTransfers } from '../domain/transfers';
import { depositAddressOf, depositById, depositsOfTransaction, type AddressDeriver, type ChainClient, type DepositAddressRow, type DepositRecord } from '../infra';
import type { ChainWatcher } from './chain-watcher';
import type { DepositChanges } from './deposit-changes';

/**
 * The chains as the API sees them: deposit addresses, reported transactions, and the dev
 * faucet. Each chain has its client (infra) and its watcher.
 */
export class FundingChains {
  /** Faucet payments one after another: they all come from one account, whose nonces must not clash. */
  private payments: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly orm: MikroORM,
    private readonly deriver: AddressDeriver,
    readonly chains: ReadonlyMap<string, { spec: ChainSpec; client: ChainClient; watcher: ChainWatcher }>,
    private readonly changes: DepositChanges,
    private readonly devnet: { enabled: boolean; payerKey: string },
    private readonly settlementChain: string,
    private readonly logger: Logger,
  ) {}

  /** The chains and what each accepts (the API's depositChains). */
  describe() {
    return [...this.chains.values()].map(({ spec }) => ({
      name: spec.name,
      chainId: spec.chainId,
      confirmations: spec.confirmations,
      settlement: spec.name === this.settlementChain,
      assets: [
        { ...spec.native, address: null },
        ...spec.tokens.map((token) => ({ symbol: token.symbol, decimals: token.decimals, minimum: token.minimum, address: token.address })),
      ],
    }));
  }

  chain(name: string) {
    const chain = this.chains.get(name);
    if (!chain) throw invalidInput(`No chain ${name.slice(0, 40)}; chains: ${[...this.chains.keys()].join(', ') || 'none'}`, 'chain');
    return chain;
  }

  /** The user's deposit address on `chain`, made on first use. */
  async depositAddress(userId: string, chainName: string): Promise<DepositAddressRow> {
    this.chain(chainName);
    return depositAddressOf(this.orm.em.fork(), this.deriver, userId, chainName);
  }

  /**
   * Dev only (the local chains): pays `amount` of `asset` to `to` — the caller's own deposit
   * address unless another is given — from the deployer account, minting tokens. The watcher
   * then finds it like any deposit. Returns the transaction hash once it is mined.
   */
  async faucet(userId: string, chainName: string, asset: string, amount: string, to: string | undefined): Promise<{ txHash: string; to: string }> {
    if (!this.devnet.enabled) throw new DomainError('FORBIDDEN', 'The devnet faucet is turned off here');
    const { spec, client } = this.chain(chainName);
    const token = asset === spec.native.symbol ? spec.native : spec.tokens.find((t) => t.symbol === asset);
    if (!token) throw invalidInput(`${asset.slice(0, 20)} is not an asset of ${chainName}`, 'asset');
    const units = decimalToUnits(amount, token.decimals);
    if (units <= 0n) throw invalidInput('amount must be more than 0', 'amount');
    if (units > decimalToUnits('1000000', token.decimals)) throw invalidInput('The faucet pays at most 1000000 at a time', 'amount');
    if (to !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(to)) throw invalidInput('to must be an address (0x and 40 hex digits)', 'to');
    const recipient = to ?? (await this.depositAddress(userId, chainName)).address;
    const payment = this.payments.then(() => client.pay(this.devnet.payerKey, recipient, asset, units, asset !== spec.native.symbol));
    this.payments = payment.catch(() => {});
    const txHash = await payment;
    this.logger.info({ chain: chainName, asset, amount, to: recipient, txHash }, 'devnet faucet paid');
    return { txHash, to: recipient };
  }

  /**
   * Admin: a `failed` deposit (its swap or credit failed) goes back to `confirmed`, and the
   * watcher settles it again at once. The credit key is the deposit's own: a retry of a credit
   * that did go through changes nothing.
   */
  async retry(depositId: string): Promise<DepositRecord> {
    const deposit = await depositById(this.orm.em.fork(), depositId);
    if (!deposit) throw new DomainError('NOT_FOUND', 'No such deposit');
    if (deposit.status !== 'failed') throw new DomainError('CONFLICT', `Only a failed deposit is retried; this one is ${deposit.status}`, { status: deposit.status });
    const moved = await this.changes.move(deposit, { status: 'confirmed', failure: null });
    if (!moved) throw new DomainError('CONFLICT', 'The deposit changed meanwhile; look again');
    const chain = this.chains.get(deposit.network);
    await chain?.watcher.poke().catch((error: unknown) => this.logger.warn({ err: error, chain: deposit.network }, 'watcher pass after a retry failed'));
    return (await depositById(this.orm.em.fork(), depositId)) ?? moved;
  }

  /**
   * A deposit the user reports by its transaction hash (REQ-DEP-001): the same pipeline as the
   * watcher's, started early. The transaction must be mined and pay one of the caller's deposit
   * addresses a known asset; its deposits are recorded (or found) and returned, and the watcher
   * takes them on from there (confirmations, settlement).
   */
  async report(userId: string, chainName: string, txHash: string): Promise<DepositRecord[]> {
    const { spec, client, watcher } = this.chain(chainName);
    if (!/^0x[0-9a-fA-F]{64}$/.test(txHash)) throw invalidInput('txHash must be 0x and 64 hex digits', 'txHash');
    const hash = txHash.toLowerCase();
    const known = await depositsOfTransaction(this.orm.em.fork(), chainName, hash);
    const mine = known.filter((d) => d.userId === userId);
    if (mine.length > 0 && mine.every((d) => d.status === 'credited')) {
      throw new DomainError('DEPOSIT_ALREADY_CREDITED', 'This transaction is credited already', { txHash: hash, depositIds: mine.map((d) => d.id) });
    }
    const [receipt, tx] = await Promise.all([client.receipt(hash), client.transaction(hash)]);
    if (!receipt || !tx || receipt.status !== 1) {
      throw new DomainError('DEPOSIT_TX_NOT_FOUND', `No successful mined transaction ${hash} on ${chainName}`, { txHash: hash });
    }
    const address = (await this.depositAddress(userId, chainName)).address.toLowerCase();
    const isMine = (candidate: string) => candidate.toLowerCase() === address;
    const transfers = [
      ...tokenTransfers(receipt.logs, spec.tokens, isMine),
      ...nativeTransfers([{ hash, from: tx.from, to: tx.to, value: tx.value, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash }], spec.native, isMine),
    ];
    if (transfers.length === 0) {
      throw new DomainError('DEPOSIT_WRONG_RECIPIENT', `Transaction ${hash} pays none of your deposit addresses on ${chainName}`, { txHash: hash });
    }
    await this.changes.recordFound(
      transfers.map((transfer) => ({
        userId,
        chain: chainName,
        asset: transfer.asset,
        amount: unitsToDecimal(transfer.units, transfer.decimals),
        status: transfer.units < transfer.minimumUnits ? 'ignored_dust' : 'detected',
        requiredConfirmations: spec.confirmations,
        txHash: hash,
        logIndex: transfer.logIndex,
        tokenAddress: transfer.tokenAddress,
        fromAddress: transfer.from,
        toAddress: transfer.to,
        blockNumber: transfer.blockNumber,
        blockHash: transfer.blockHash,
      })),
    );
    // Confirmations and settlement now rather than at the next pass.
    await watcher.poke().catch((error: unknown) => this.logger.warn({ err: error, chain: chainName }, 'watcher pass after a report failed'));
    const keys = new Set(transfers.map((t) => creditKey(chainName, hash, t.logIndex)));
    return (await depositsOfTransaction(this.orm.em.fork(), chainName, hash)).filter(
      (d) => d.userId === userId && keys.has(creditKey(chainName, hash, d.logIndex ?? NATIVE_LOG_INDEX)),
    );
  }
}
