import { fromUnits, toUnits } from '@tradegraph/shared/domain';

/** One asset a user holds. */
export interface Holding {
  asset: string;
  /** Decimal string, never negative. */
  quantity: string;
  updatedAt: Date;
}

/** A portfolio is its holdings; the latest change among them is when it was last updated. */
export function lastUpdated(holdings: { updatedAt: Date }[]): Date | null {
  let latest: Date | null = null;
  for (const h of holdings) if (!latest || h.updatedAt > latest) latest = h.updatedAt;
  return latest;
}

/** What a user holds of an asset on the exchange: what is free plus what open orders lock, exactly. */
export function heldQuantity(balance: { available: string; locked: string }): string {
  return fromUnits(toUnits(balance.available, 'available') + toUnits(balance.locked, 'locked'));
}

export interface PortfolioValue {
  /** Sum of quantity × price over the priced holdings, in the pricing asset; exact to 18 decimals, rounded down. */
  total: string;
  /** Holdings with no price to value them by (left out of the total, never counted as zero silently). */
  unpriced: string[];
}

/**
 * Values holdings in one pricing asset (e.g. USDT): `priceOf(asset)` is the asset's price in it,
 * or undefined when there is none; the pricing asset itself is worth 1.
 */
export function valuePortfolio(holdings: Pick<Holding, 'asset' | 'quantity'>[], pricingAsset: string, priceOf: (asset: string) => string | undefined): PortfolioValue {
  const ONE = 10n ** 18n;
  let total = 0n;
  const unpriced: string[] = [];
  for (const holding of holdings) {
    const price = holding.asset === pricingAsset ? '1' : priceOf(holding.asset);
    if (price === undefined) {
      unpriced.push(holding.asset);
      continue;
    }
    total += (toUnits(holding.quantity, 'quantity') * toUnits(price, 'price')) / ONE;
  }
  return { total: fromUnits(total), unpriced };
}
