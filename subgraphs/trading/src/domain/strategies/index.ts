import { dca } from './dca';
import { grid } from './grid';
import { momentum } from './momentum';
import type { StrategyDefinition } from './types';

export * from './types';
export { buildStrategy, parseParams } from './params';
export { grid, GridStrategy, type GridParams } from './grid';
export { dca, DcaStrategy, type DcaParams } from './dca';
export { momentum, MomentumStrategy, type MomentumParams } from './momentum';

/** The built-in strategies by kind. */
export const STRATEGIES: Readonly<Record<string, StrategyDefinition<unknown>>> = {
  [grid.kind]: grid,
  [dca.kind]: dca,
  [momentum.kind]: momentum,
};
