import { Balance } from './balance';
import { EngineBase, Rejection } from './base';
import { MAX_FEE_BPS, MAX_SAFE, feeFor } from './limits';
import { FeeRates, type FeeAccount, type Holdings, type MarketState, type Order } from './market';
import type { AdjustBalance, CommandResult, PlaceOrder, RejectCode, SetUserFees } from './types';

/**
 * Risk: balances, locks, reservations and fees. Buys lock quote (notional plus worst-case fee),
 * sells lock base, on acceptance; fills pay out of the lock; what is left is released when the
 * order ends. Fees are paid in quote by both sides and credited to a per-asset fee account.
 * Every balance a command touches is reported once, with its final value (BalanceChanged).
 */
export abstract class Risk extends EngineBase {
  /** Net AdjustBalance total per asset: the amount conservation is measured against. */
  protected readonly supply = new Map<string, number>();
  protected readonly feeAccounts = new Map<string, FeeAccount>();
  protected readonly accounts = new Map<string, Map<string, Balance>>();
  /** Each user's fee tier cell, made with their first holdings (see FeeRates). */
  protected readonly feeTiers = new Map<string, FeeRates>();
  /** idempotencyKey → result of the AdjustBalance that applied it. */
  protected readonly adjustments = new Map<string, CommandResult>();
  /** Balances the command being applied touched (reused across commands; see flushBalances). */
  protected readonly touched: Balance[] = [];
  protected touchedCount = 0;

  protected balance(user: string, asset: string): Balance {
    let account = this.accounts.get(user);
    if (!account) this.accounts.set(user, (account = new Map()));
    let balance = account.get(asset);
    if (!balance) account.set(asset, (balance = new Balance(user, asset)));
    return balance;
  }

  /** A user's base and quote balances in a market, cached on the market: one lookup per order
   *  instead of two nested ones per asset. */
  protected holdings(user: string, m: MarketState): Holdings {
    let holdings = m.holdings.get(user);
    if (!holdings) {
      holdings = { base: this.balance(user, m.spec.base), quote: this.balance(user, m.spec.quote), fees: this.feeRates(user) };
      m.holdings.set(user, holdings);
    }
    return holdings;
  }

  protected feeRates(user: string): FeeRates {
    let rates = this.feeTiers.get(user);
    if (!rates) this.feeTiers.set(user, (rates = new FeeRates(user)));
    return rates;
  }

  /** A user's fee tier from now on; level 0 means the markets' own rates. */
  protected setUserFees(c: SetUserFees): void {
    if (typeof c.user !== 'string' || c.user === '') throw new Rejection('INVALID_ORDER');
    const level = c.level;
    if (!Number.isSafeInteger(level) || level < 0) throw new Rejection('INVALID_ORDER');
    for (const bps of [c.makerBps, c.takerBps]) {
      if (!Number.isSafeInteger(bps) || bps < 0 || bps > MAX_FEE_BPS) throw new Rejection('INVALID_ORDER');
    }
    const rates = this.feeRates(c.user);
    rates.level = level;
    rates.makerBps = level === 0 ? MAX_FEE_BPS : c.makerBps;
    rates.takerBps = level === 0 ? MAX_FEE_BPS : c.takerBps;
  }

  protected lock(balance: Balance, amount: number): void {
    balance.available -= amount;
    balance.locked += amount;
    this.touch(balance);
  }

  protected unlock(balance: Balance, amount: number): void {
    balance.available += amount;
    balance.locked -= amount;
    this.touch(balance);
  }

  protected touch(balance: Balance): void {
    if (balance.touchedBy !== this.commandSeq) {
      balance.touchedBy = this.commandSeq;
      this.touched[this.touchedCount++] = balance;
    }
  }

  /** One BalanceChanged per balance the command touched, with its final value. */
  protected flushBalances(): void {
    const touched = this.touched;
    const count = this.touchedCount;
    if (count === 0) return;
    // The array is reused across commands (no truncation: stale entries beyond count are ignored).
    for (let i = 0; i < count; i++) {
      const b = touched[i];
      this.emit({ type: 'BalanceChanged', user: b.user, asset: b.asset, available: b.available, locked: b.locked });
    }
    this.touchedCount = 0;
  }

  protected adjustBalance(c: AdjustBalance, firstEvent: number): CommandResult {
    const original = typeof c.idempotencyKey === 'string' ? this.adjustments.get(c.idempotencyKey) : undefined;
    if (original) {
      // Already applied: change nothing and answer as the first time (after any expiries this
      // command's timestamp caused).
      this.flushBalances();
      return { code: original.code, events: [...this.takeEvents(), ...original.events] };
    }
    const reject = (code: RejectCode): CommandResult => {
      this.flushBalances();
      return this.rejected(c, code);
    };
    if (typeof c.idempotencyKey !== 'string' || c.idempotencyKey === '' || typeof c.user !== 'string' || c.user === '') {
      return reject('INVALID_AMOUNT');
    }
    if (typeof c.asset !== 'string' || c.asset === '' || !Number.isSafeInteger(c.amount) || c.amount === 0) {
      return reject('INVALID_AMOUNT');
    }
    const supply = this.supply.get(c.asset) ?? 0;
    if (c.amount > 0 && c.amount > MAX_SAFE - supply) return reject('BALANCE_LIMIT_EXCEEDED');
    const existing = this.accounts.get(c.user)?.get(c.asset);
    if (c.amount < 0 && (existing?.available ?? 0) < -c.amount) return reject('INSUFFICIENT_FUNDS');

    const balance = existing ?? this.balance(c.user, c.asset);
    balance.available += c.amount;
    this.supply.set(c.asset, supply + c.amount);
    this.touch(balance);
    this.emit({ type: 'BalanceAdjusted', user: c.user, asset: c.asset, amount: c.amount, idempotencyKey: c.idempotencyKey });
    this.flushBalances();
    this.adjustments.set(c.idempotencyKey, { code: 'OK', events: this.eventBuffer.slice(firstEvent, this.eventCount) });
    return { code: 'OK', events: this.takeEvents() };
  }

  /**
   * What an order locks when accepted. Sells lock the base they may sell. Buys with a known price
   * lock notional plus worst-case fee. Market buys by quantity have no price bound, so they lock
   * all available quote and stop buying when it runs out (the rest is released at once); quote-sized
   * sells likewise lock all available base. Stop-style market buys by quantity lock nothing until
   * triggered, then behave like market buys.
   */
  protected initialReservation(
    c: PlaceOrder,
    m: MarketState,
    p: { quantity: number; quoteAmount: number; price: number },
    reserveBalance: Balance,
  ): number {
    const type = c.orderType;
    let reservation: number;
    if (c.side === 'sell') {
      reservation = p.quoteAmount > 0 ? reserveBalance.available : p.quantity * m.baseAtomsPerLot;
    } else if (p.quoteAmount > 0) {
      reservation = p.quoteAmount;
    } else if (type === 'limit' || type === 'stop-limit') {
      reservation = m.buyReservation(p.price, p.quantity);
    } else if (type === 'oco') {
      const stopLegReservation = c.stopLimitPrice !== undefined ? m.buyReservation(c.stopLimitPrice, p.quantity) : 0;
      reservation = Math.max(m.buyReservation(p.price, p.quantity), stopLegReservation);
    } else if (type === 'market') {
      reservation = reserveBalance.available;
    } else {
      return 0;
    }
    // Funds-bounded orders with nothing to spend are refused rather than accepted and cancelled.
    if (reservation === 0) throw new Rejection('INSUFFICIENT_FUNDS');
    return reservation;
  }

  /** A resting buy keeps exactly what its open quantity needs at its own price; price improvement
   *  and maker fees below the reserved rate leave a surplus that goes back to the user. Not for
   *  an OCO leg still paired, whose lock also backs the other leg. */
  protected trimBuyReservation(order: Order): void {
    if (order.ocoPeer) return;
    const needed = order.market.buyReservation(order.price, order.remaining);
    if (order.reserved > needed) {
      this.unlock(order.reserveBalance, order.reserved - needed);
      order.reserved = needed;
    }
  }

  /** For market-style takers: how much of `wanted` lots at `price` the order's funds / budget allow. */
  protected fundedQuantity(taker: Order, price: number, wanted: number): number {
    const m = taker.market;
    const unit = price * m.quoteAtomsPerTickLot;
    if (!taker.isBuy) {
      if (!taker.isSizedByQuote) return wanted; // exactly its quantity is locked
      const byBudget = Math.floor((taker.quoteAmount - taker.quoteTraded) / unit);
      const byBase = Math.floor(taker.reserved / m.baseAtomsPerLot);
      return Math.min(wanted, byBudget, byBase);
    }
    const funds = taker.reserved;
    const cost = (lots: number): number => lots * unit + feeFor(lots * unit, m.takerFeeBps);
    if (cost(wanted) <= funds) return wanted;
    // Largest affordable quantity: a floating-point estimate, then exact integer correction.
    let lots = Math.min(wanted, Math.floor(funds / (unit * (1 + m.takerFeeBps / 10_000))));
    while (lots > 0 && cost(lots) > funds) lots--;
    while (lots + 1 < wanted && cost(lots + 1) <= funds) lots++;
    return lots;
  }
}
