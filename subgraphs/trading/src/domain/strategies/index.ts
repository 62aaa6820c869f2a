import { dca } from './dca';
import { grid } from './grid';
import { guard } from './guard';
import { meanReversion } from './mean-reversion';
import { momentum } from './momentum';
import type { StrategyDefinition } from './types';

export * from './types';
export { buildStrategy, parseParams } from './params';
export { grid, GridStrategy, type GridParams } from './grid';
export { dca, DcaStrategy, type DcaParams } from './dca';
export { momentum, MomentumStrategy, type MomentumParams } from './momentum';
export { guard, GuardStrategy, type GuardParams } from './guard';
export { meanReversion, MeanReversionStrategy, type MeanReversionParams } from './mean-reversion';

/** The built-in strategies by kind. */
export const STRATEGIES: Readonly<Record<string, StrategyDefinition<unknown>>> = {
  [grid.kind]: grid,
  [dca.kind]: dca,
  [momentum.kind]: momentum,
  [guard.kind]: guard,
  [meanReversion.kind]: meanReversion,
};
