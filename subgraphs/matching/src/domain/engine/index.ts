export { Engine, nextSessionClose, snapshotHash } from './engine';
export type { EngineOptions, PriceLevelView } from './engine';
export type { BookSide, BookSideFactory } from './book';
export { fastBookSide, FastBookSide } from './fast-book';
export { referenceBookSide, ReferenceBookSide } from './reference-book';
export type { EngineSnapshot, OrderSnapshot } from './snapshot';
export * from './types';
export {
  amountToAtoms,
  atomsToAmount,
  formatDecimal,
  lotsToQuantity,
  marketScale,
  parseDecimal,
  priceToTicks,
  quantityToLots,
  ticksToPrice,
} from './units';
export type { Conversion, Decimal, MarketScale } from './units';
export { BPS, MAX_FEE_BPS, MAX_ORDER_NOTIONAL, MAX_SAFE, feeFor, mulBpsFloor } from './limits';
