import type { EngineHost } from './engine-host';
import type { FeeTier } from '../domain/fees';

/**
 * What matching's `prepare()` makes once at start and every resolver (`ctx.services`), route and
 * background task receives (docs/architecture.md, "Rooms and layers").
 */
export interface MatchingServices {
  /** The engine in service, its book publisher, and its rebuild after a journal failure. */
  engine: EngineHost;
  /** Whether the demo-only `creditDemoFunds` mutation is on (MATCHING_DEMO_CREDITS=on). */
  demoCredits: boolean;
  /** The fee schedule (FEE_TIERS, domain/fees.ts). */
  feeSchedule: readonly FeeTier[];
}
