import type { BookSide, BookSideFactory } from './book';
import type { Balance, Order } from './order';
import type { MarketSpec } from './types';
import { MAX_FEE_BPS, feeFor } from './limits';
import type { MarketScale } from './units';

/** Fees collected in one asset; a shared mutable cell so trades add to it without a map lookup. */
export class FeeAccount {
  amount = 0;
  constructor(readonly asset: string) {}
}

/** One user's balances of a market's two assets. */
export interface Holdings {
  base: Balance;
  quote: Balance;
}

/** A market's configuration (integers derived from its spec) and its live state. */
export class MarketState {
  readonly id: string;
  readonly baseAtomsPerLot: number;
  readonly quoteAtomsPerTickLot: number;
  readonly minNotional: number;
  readonly makerFeeBps: number;
  readonly takerFeeBps: number;
  /** A resting buy may end up paying either fee, so it reserves the larger. */
  readonly reserveFeeBps: number;
  readonly bids: BookSide;
  readonly asks: BookSide;
  /** Accepted stop-style orders waiting for their trigger, in order of acceptance (id order). */
  readonly waiting: Order[] = [];
  /** Cache of users' balances in this market's assets (the balances themselves live in the engine). */
  readonly holdings = new Map<string, Holdings>();
  suspended = false;
  /** Price of the last trade in ticks, 0 before the first trade. Stops trigger from it. */
  lastPrice = 0;

  constructor(
    readonly spec: MarketSpec,
    scale: MarketScale,
    readonly maxPriceTicks: number,
    readonly maxQuantityLots: number,
    readonly sessionCloseMs: number,
    readonly fees: FeeAccount,
    bookSide: BookSideFactory,
  ) {
    this.id = spec.id;
    this.baseAtomsPerLot = scale.baseAtomsPerLot;
    this.quoteAtomsPerTickLot = scale.quoteAtomsPerTickLot;
    this.minNotional = scale.minNotionalAtoms;
    this.makerFeeBps = spec.makerFeeBps;
    this.takerFeeBps = spec.takerFeeBps;
    this.reserveFeeBps = Math.max(spec.makerFeeBps, spec.takerFeeBps);
    this.bids = bookSide(true);
    this.asks = bookSide(false);
    if (this.reserveFeeBps > MAX_FEE_BPS) throw new Error('fee above 100%');
  }

  notional(priceTicks: number, lots: number): number {
    return priceTicks * lots * this.quoteAtomsPerTickLot;
  }

  /** Quote atoms a buy of `lots` at `priceTicks` locks: the notional plus the worst-case fee. */
  buyReservation(priceTicks: number, lots: number): number {
    const notional = priceTicks * lots * this.quoteAtomsPerTickLot;
    return notional + feeFor(notional, this.reserveFeeBps);
  }
}
