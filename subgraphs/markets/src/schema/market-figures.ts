import type { EntityManager } from '@tradegraph/shared';

/** 24h figures the catalog sorts by (VOLUME, CHANGE), from the tickers when they are wired in. */
export interface MarketFigures {
  quoteVolume: string;
  changePercent: string;
}

/**
 * Where the catalog finds 24h figures: the tickers module sets `tickers` at start. Without it,
 * VOLUME and CHANGE sorting fall back to symbol order (every market lacks the figure).
 */
export const marketFigures: {
  tickers?: (em: EntityManager, markets: string[]) => Promise<Map<string, MarketFigures | null>>;
} = {};
