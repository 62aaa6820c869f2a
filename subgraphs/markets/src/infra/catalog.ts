import type { EntityManager } from '@tradegraph/shared';
import { AssetRecord, MarketRecord } from './entities';

/** Every market, in the order they were listed (the listing route's order). */
export function marketsByListing(em: EntityManager): Promise<MarketRecord[]> {
  return em.find(MarketRecord, {}, { orderBy: { listedAt: 'asc', symbol: 'asc' } });
}

/** Every market by symbol, optionally only those matching `where`. */
export function marketsBySymbol(
  em: EntityManager,
  where: Partial<Pick<MarketRecord, 'category' | 'status' | 'quoteAsset'>> = {},
): Promise<MarketRecord[]> {
  return em.find(MarketRecord, where, { orderBy: { symbol: 'asc' } });
}

export function findMarket(em: EntityManager, symbol: string): Promise<MarketRecord | null> {
  return em.findOne(MarketRecord, { symbol });
}

export function assetsBySymbol(em: EntityManager): Promise<AssetRecord[]> {
  return em.find(AssetRecord, {}, { orderBy: { symbol: 'asc' } });
}

export function findAssets(em: EntityManager, symbols: string[]): Promise<AssetRecord[]> {
  return em.find(AssetRecord, { symbol: { $in: symbols } });
}

/** Every asset's precision (Asset.precision), for the listing contract. */
export async function assetPrecisions(em: EntityManager): Promise<Map<string, number>> {
  const assets = await em.find(AssetRecord, {});
  return new Map(assets.map((a) => [a.symbol, a.precision]));
}
