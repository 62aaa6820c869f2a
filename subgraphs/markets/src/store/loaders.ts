import { batchLoader, type EntityManager, type Logger } from '@tradegraph/shared';
import { AssetRecord, MarketRecord } from './entities';

export function createLoaders(em: EntityManager, logger: Logger) {
  return {
    marketBySymbol: batchLoader(
      'marketBySymbol',
      logger,
      (symbols: readonly string[]) => em.find(MarketRecord, { symbol: { $in: [...symbols] } }),
      (m) => m.symbol,
    ),
    assetBySymbol: batchLoader(
      'assetBySymbol',
      logger,
      (symbols: readonly string[]) => em.find(AssetRecord, { symbol: { $in: [...symbols] } }),
      (a) => a.symbol,
    ),
  };
}
export type MarketsLoaders = ReturnType<typeof createLoaders>;
