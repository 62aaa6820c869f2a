import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { getAddress } from 'ethers';
import { DomainError, recordAdminActionAtAccounts, toUnits, type ChainSpec, type Logger } from '@tradegraph/shared';
import {
  checkAddressBook,
  checkDailyLimit,
  checkKycDailyLimit,
  holdReasonOf,
  securityHoldReason,
  networkFeeOf,
  unitsText,
  withdrawalAddress,
  withdrawalAmountUnits,
  withdrawalAsset,
  withdrawalChain,
  withdrawalDebitKey,
  withdrawalReleaseKey,
} from '../domain/withdrawals';
import { withdrawalDebitEntry, withdrawalReleaseEntry } from '../domain/ledger';
import {
  addWithdrawalAddress,
  allowListOnly,
  recentWithdrawals,
  setAllowListOnly,
  withdrawalAddressOf,
  withdrawalAddressesOf,
  type WithdrawalAddressRow,
  deleteUnlocked,
  insertQuote,
  insertWithdrawal,
  isDepositAddress,
  markLocked,
  markReleased,
  postEntries,
  quoteById,
  unlockedWithdrawals,
  unreleasedFailures,
  withdrawalById,
  withdrawalByKey,
  withdrawalCall,
  withdrawalsOfUser,
  withdrawalsSince,
  withdrawalProfileOf,
  type AccountsTwoFactor,
  type HotWallet,
  type MatchingCredits,
  type WithdrawalChain,
  type WithdrawalQuoteRecord,
  type WithdrawalRecord,
} from '../infra';
import type { WithdrawalChanges } from './withdrawal-changes';

export interface WithdrawalSettings {
  fees: ReadonlyMap<string, bigint>;
  gasMarginBps: number;
  quoteSeconds: number;
  dailyLimits: ReadonlyMap<string, bigint>;
  holdAbove: ReadonlyMap<string, bigint>;
  velocityPerHour: number;
  coolOffSeconds: number;
  /** KYC level → asset → daily limit (FUNDING_WITHDRAWAL_KYC_DAILY_LIMITS). */
  kycDailyLimits: ReadonlyMap<number, ReadonlyMap<string, bigint>>;
}

/** What an admin action needs to be audited at accounts (the admin's own credentials). */
export interface AdminRequest {
  authorization?: string;
  reqId: string;
}

export interface WithdrawalRequest {
  asset: string;
  chain: string;
  toAddress: string;
  amount: string;
  idempotencyKey: string;
  twoFactorCode: string;
  quoteId?: string;
}

interface Priced {
  spec: ChainSpec;
  amount: string;
  exchangeFee: string;
  networkFee: string;
  networkFeeNative: string;
  total: string;
}

/**
 * Withdrawal requests and quotes (docs/architecture.md, "Withdrawals"). A request is checked
 * (input, second factor, recipient), recorded `requested` but not yet locked, then debited from
 * the trading balance in matching with the withdrawal's own key; only a locked withdrawal is
 * signed (app/withdrawal-sender.ts). A crash between record and debit leaves an unlocked row that
 * `recover()` finishes (the same key: debited at most once); a refused debit deletes it.
 */
export class Withdrawals {
  constructor(
    private readonly orm: MikroORM,
    private readonly chains: ReadonlyMap<string, { spec: ChainSpec; chain: WithdrawalChain }>,
    private readonly hotWallet: HotWallet,
    private readonly credits: MatchingCredits,
    private readonly twoFactor: AccountsTwoFactor,
    private readonly changes: WithdrawalChanges,
    private readonly settings: WithdrawalSettings,
    private readonly logger: Logger,
  ) {}

  private specs(): Map<string, ChainSpec> {
    return new Map([...this.chains].map(([name, { spec }]) => [name, spec]));
  }

  /** The fees of withdrawing `amount` of `asset` on `chain` now (a live gas estimate). */
  private async price(chainName: string, asset: string, amount: string): Promise<Priced> {
    const spec = withdrawalChain(this.specs(), chainName);
    const { asset: info, token } = withdrawalAsset(spec, asset, () => true);
    const units = withdrawalAmountUnits(amount, info.decimals);
    const chain = this.chains.get(spec.name)!.chain;
    let estimate;
    try {
      const chainUnits = units / 10n ** BigInt(18 - Math.min(info.decimals, 18));
      estimate = await chain.estimate(this.hotWallet.address, withdrawalCall(token, this.hotWallet.address, chainUnits));
    } catch (error) {
      this.logger.warn({ err: error, chain: spec.name }, 'withdrawal fee estimate failed');
      throw new DomainError('UNAVAILABLE', `The ${spec.name} node cannot estimate the network fee now; try again`);
    }
    const networkFeeNative = networkFeeOf(estimate, this.settings.gasMarginBps, spec.native.decimals);
    const exchangeFee = this.settings.fees.get(asset) ?? 0n;
    // The coin pays its own network fee; a token's exchange fee covers its gas (README, "Withdrawals").
    const networkFee = token === null ? networkFeeNative : 0n;
    return {
      spec,
      amount: unitsText(units),
      exchangeFee: unitsText(exchangeFee),
      networkFee: unitsText(networkFee),
      networkFeeNative: unitsText(networkFeeNative),
      total: unitsText(units + exchangeFee + networkFee),
    };
  }

  async quote(userId: string, chain: string, asset: string, amount: string): Promise<WithdrawalQuoteRecord & { total: string }> {
    const priced = await this.price(chain, asset, amount);
    const quote: WithdrawalQuoteRecord = {
      id: randomUUID(),
      userId,
      chain: priced.spec.name,
      asset,
      amount: priced.amount,
      exchangeFee: priced.exchangeFee,
      networkFee: priced.networkFee,
      networkFeeNative: priced.networkFeeNative,
      expiresAt: new Date(Date.now() + this.settings.quoteSeconds * 1000),
    };
    await insertQuote(this.orm.em.fork(), quote);
    return { ...quote, total: priced.total };
  }

  async request(userId: string, ip: string | undefined, input: WithdrawalRequest): Promise<WithdrawalRecord> {
    const key = input.idempotencyKey;
    if (!/^[\x21-\x7e]{1,100}$/.test(key)) throw new DomainError('BAD_USER_INPUT', 'idempotencyKey is 1..100 printable characters', { field: 'idempotencyKey' });
    const spec = withdrawalChain(this.specs(), input.chain);
    const { asset: info } = withdrawalAsset(spec, input.asset, () => true);
    const amount = unitsText(withdrawalAmountUnits(input.amount, info.decimals));
    const toAddress = withdrawalAddress(input.toAddress, getAddress);
    const em = this.orm.em.fork();

    // The same key again: the same withdrawal (finished locking if a crash interrupted it), never a second one.
    const existing = await withdrawalByKey(em, userId, key);
    if (existing) return this.again(existing, { chain: spec.name, asset: input.asset, toAddress, amount });

    // Everything that can be checked without the second factor first: a refusal spends no code.
    if (await isDepositAddress(em, spec.name, toAddress)) {
      throw new DomainError('WITHDRAWAL_OWN_ADDRESS', 'toAddress is a deposit address of this exchange: trade or transfer inside instead', { field: 'toAddress' });
    }
    checkAddressBook(await withdrawalAddressOf(em, userId, spec.name, toAddress), await allowListOnly(em, userId), new Date());
    const units = toUnits(amount);
    const recent = await recentWithdrawals(em, userId, input.asset);
    checkDailyLimit(input.asset, units, toUnits(recent.last24h), this.settings.dailyLimits);
    // Accounts knows the KYC level and when the password or 2FA last changed.
    const profile = await withdrawalProfileOf(userId);
    if (!profile) throw new DomainError('UNAVAILABLE', 'Your account cannot be checked now; nothing was changed, try again');
    checkKycDailyLimit(input.asset, units, toUnits(recent.last24h), profile.kycLevel, this.settings.kycDailyLimits);
    const changes = [profile.twoFactorChangedAt, profile.passwordChangedAt].filter((d): d is string => d !== null).map((d) => new Date(d));
    const changedAt = changes.length > 0 ? new Date(Math.max(...changes.map((d) => d.getTime()))) : null;
    const holdReason =
      securityHoldReason(changedAt, changedAt ? await withdrawalsSince(em, userId, changedAt) : 0) ??
      holdReasonOf(input.asset, units, this.settings.holdAbove, recent.lastHour, this.settings.velocityPerHour);
    const fees = input.quoteId ? await this.quoted(userId, input.quoteId, spec.name, input.asset, amount) : await this.price(spec.name, input.asset, amount);
    await this.checkSecondFactor(userId, input.twoFactorCode, ip);
    const inserted = await insertWithdrawal(em, {
      id: randomUUID(),
      userId,
      idempotencyKey: key,
      chain: spec.name,
      asset: input.asset,
      toAddress,
      amount,
      exchangeFee: fees.exchangeFee,
      networkFee: fees.networkFee,
      total: fees.total,
      quoteId: input.quoteId ?? null,
      requiredConfirmations: spec.confirmations,
      holdReason,
    });
    if (!inserted) {
      const raced = await withdrawalByKey(em, userId, key);
      if (!raced) throw new DomainError('CONFLICT', 'The withdrawal changed meanwhile; send it again');
      return this.again(raced, { chain: spec.name, asset: input.asset, toAddress, amount });
    }
    return this.lock(inserted);
  }

  private async again(existing: WithdrawalRecord, asked: { chain: string; asset: string; toAddress: string; amount: string }): Promise<WithdrawalRecord> {
    if (existing.chain !== asked.chain || existing.asset !== asked.asset || existing.toAddress !== asked.toAddress || existing.amount !== asked.amount) {
      throw new DomainError('CONFLICT', 'This idempotencyKey was used for another withdrawal', { field: 'idempotencyKey', withdrawalId: existing.id });
    }
    return existing.lockedAt ? existing : this.lock(existing);
  }

  private async checkSecondFactor(userId: string, code: string, ip: string | undefined): Promise<void> {
    const answer = await this.twoFactor.verify(userId, code, ip);
    if (answer.kind === 'unavailable') throw new DomainError('UNAVAILABLE', 'The second factor cannot be checked now; nothing was changed, try again');
    if (answer.kind === 'rate_limited') throw new DomainError('RATE_LIMITED', answer.message, { retryAfterSeconds: answer.retryAfterSeconds });
    if (answer.verdict === 'not_enabled') {
      throw new DomainError('WITHDRAWAL_TWO_FACTOR_REQUIRED', 'Withdrawals need two-factor authentication: turn it on (enrolTwoFactor, confirmTwoFactor) and send the code', {
        twoFactorRequired: true,
      });
    }
    if (answer.verdict !== 'ok') throw new DomainError('WITHDRAWAL_TWO_FACTOR_WRONG', 'The two-factor code is wrong or was used', { field: 'twoFactorCode' });
  }

  private async quoted(userId: string, quoteId: string, chain: string, asset: string, amount: string): Promise<Priced> {
    const quote = /^[0-9a-f-]{36}$/i.test(quoteId) ? await quoteById(this.orm.em.fork(), quoteId) : null;
    if (!quote || quote.userId !== userId || quote.chain !== chain || quote.asset !== asset || quote.amount !== amount) {
      throw new DomainError('WITHDRAWAL_QUOTE_MISMATCH', 'No such quote for this asset, chain and amount', { field: 'quoteId' });
    }
    if (quote.expiresAt.getTime() <= Date.now()) throw new DomainError('WITHDRAWAL_QUOTE_EXPIRED', 'The quote has expired; ask withdrawalQuote again', { field: 'quoteId' });
    const total = unitsText(toUnits(quote.amount) + toUnits(quote.exchangeFee) + toUnits(quote.networkFee));
    return { spec: this.chains.get(chain)!.spec, amount, exchangeFee: quote.exchangeFee, networkFee: quote.networkFee, networkFeeNative: quote.networkFeeNative, total };
  }

  /** Debits the total in matching (the withdrawal's key: at most once) and marks the withdrawal locked. */
  private async lock(w: WithdrawalRecord): Promise<WithdrawalRecord> {
    const answer = await this.credits.credit({ userId: w.userId, asset: w.asset, amount: `-${w.total}`, idempotencyKey: withdrawalDebitKey(w.id) });
    if (answer.kind === 'unavailable') {
      this.logger.warn({ withdrawal: w.id, reason: answer.reason }, 'withdrawal debit not answered');
      throw new DomainError('UNAVAILABLE', 'The trading balance cannot be debited now; send the same request again (same idempotencyKey)');
    }
    if (answer.kind === 'refused') {
      await deleteUnlocked(this.orm.em.fork(), w.id);
      if (answer.code === 'INSUFFICIENT_FUNDS') throw new DomainError('INSUFFICIENT_FUNDS', `Your available ${w.asset} is less than ${w.total} (amount and fees)`, { total: w.total });
      if (answer.code === 'BAD_USER_INPUT') throw new DomainError('WITHDRAWAL_UNKNOWN_ASSET', `${w.asset} is not traded here, so it cannot be withdrawn`, { field: 'asset' });
      throw new DomainError('BAD_USER_INPUT', `The debit was refused: ${answer.message}`);
    }
    const locked = await this.changes.inTransaction(async (em) => {
      const row = await markLocked(em, w.id);
      if (row) await this.changes.record(em, [row]);
      // The ledger: the user's debit, now owed to the recipient (idempotent on the withdrawal).
      if (row) await postEntries(em, [withdrawalDebitEntry(row)]);
      return row;
    });
    if (!locked) throw new DomainError('CONFLICT', 'The withdrawal changed meanwhile; look again');
    await this.changes.announce([locked]);
    this.logger.info({ withdrawal: locked.id, chain: locked.chain, asset: locked.asset, amount: locked.amount }, 'withdrawal requested');
    return locked;
  }

  /**
   * Finishes what a crash or an outage left half-done: unlocked withdrawals older than a minute
   * are debited (or dropped when refused), and failed ones get their debit back — each under its
   * own key, so repeating this changes nothing.
   */
  async recover(chain: string): Promise<void> {
    const em = this.orm.em.fork();
    for (const w of await unlockedWithdrawals(em, chain, 60)) {
      await this.lock(w).catch((error: unknown) => this.logger.warn({ err: error, withdrawal: w.id }, 'withdrawal lock recovery'));
    }
    for (const w of await unreleasedFailures(em, chain)) await this.release(w);
  }

  /** Gives a failed withdrawal's debit back (its release key: at most once). */
  async release(w: WithdrawalRecord): Promise<void> {
    const answer = await this.credits.credit({ userId: w.userId, asset: w.asset, amount: w.total, idempotencyKey: withdrawalReleaseKey(w.id) });
    if (answer.kind !== 'done') {
      this.logger.warn({ withdrawal: w.id, answer }, 'withdrawal release not done; retried on the next pass');
      return;
    }
    await this.orm.em.fork().transactional(async (em) => {
      await markReleased(em, w.id);
      await postEntries(em, [withdrawalReleaseEntry(w)]);
    });
    this.logger.info({ withdrawal: w.id, total: w.total }, 'withdrawal debit given back');
  }

  /** Adds an address to the user's book (second factor required); usable after the cool-off. */
  async addAddress(userId: string, ip: string | undefined, chainName: string, rawAddress: string, label: string, code: string): Promise<WithdrawalAddressRow> {
    const spec = withdrawalChain(this.specs(), chainName);
    const address = withdrawalAddress(rawAddress, getAddress);
    if (label.length > 60) throw new DomainError('BAD_USER_INPUT', 'label is at most 60 characters', { field: 'label' });
    const em = this.orm.em.fork();
    if (await isDepositAddress(em, spec.name, address)) {
      throw new DomainError('WITHDRAWAL_OWN_ADDRESS', 'This is a deposit address of this exchange', { field: 'address' });
    }
    await this.checkSecondFactor(userId, code, ip);
    return addWithdrawalAddress(em, userId, spec.name, address, label, this.settings.coolOffSeconds);
  }

  async addresses(userId: string): Promise<WithdrawalAddressRow[]> {
    return withdrawalAddressesOf(this.orm.em.fork(), userId);
  }

  /** Allow-list-only on or off (second factor required either way). */
  async setAllowListOnly(userId: string, ip: string | undefined, enabled: boolean, code: string): Promise<boolean> {
    await this.checkSecondFactor(userId, code, ip);
    await setAllowListOnly(this.orm.em.fork(), userId, enabled);
    return enabled;
  }

  /** Admin: a held withdrawal goes on to be signed (audited at accounts first). */
  async approve(request: AdminRequest, id: string): Promise<WithdrawalRecord> {
    const held = await this.heldOne(id);
    await recordAdminActionAtAccounts(request, { action: 'approve_withdrawal', targetType: 'Withdrawal', targetId: id, details: { asset: held.asset, amount: held.amount, chain: held.chain } });
    const moved = await this.changes.move(held, { status: 'requested' });
    if (!moved) throw new DomainError('CONFLICT', 'The withdrawal changed meanwhile; look again');
    return moved;
  }

  /** Admin: a held withdrawal fails and its debit is given back (audited at accounts first). */
  async reject(request: AdminRequest, id: string, reason: string): Promise<WithdrawalRecord> {
    if (reason.length > 200) throw new DomainError('BAD_USER_INPUT', 'reason is at most 200 characters', { field: 'reason' });
    const held = await this.heldOne(id);
    await recordAdminActionAtAccounts(request, { action: 'reject_withdrawal', targetType: 'Withdrawal', targetId: id, details: { reason } });
    const failed = await this.changes.move(held, { status: 'failed', failure: `rejected by an admin${reason ? `: ${reason}` : ''}` });
    if (!failed) throw new DomainError('CONFLICT', 'The withdrawal changed meanwhile; look again');
    await this.release(failed);
    return (await this.byId(id)) ?? failed;
  }

  private async heldOne(id: string): Promise<WithdrawalRecord> {
    const w = /^[0-9a-f-]{36}$/i.test(id) ? await this.byId(id) : null;
    if (!w || !w.lockedAt) throw new DomainError('NOT_FOUND', 'No such withdrawal');
    if (w.status !== 'held') throw new DomainError('CONFLICT', `Only a held withdrawal is approved or rejected; this one is ${w.status}`, { status: w.status });
    return w;
  }

  async byId(id: string): Promise<WithdrawalRecord | null> {
    return withdrawalById(this.orm.em.fork(), id);
  }

  async ofUser(userId: string, limit: number): Promise<WithdrawalRecord[]> {
    return withdrawalsOfUser(this.orm.em.fork(), userId, limit);
  }
}
