/**
 * What a subgraph's `domain/` layer may use from shared (`@tradegraph/shared/domain`): pure
 * building blocks with no I/O and no GraphQL. The contracts, domain errors, exact decimals.
 */
export * from './contracts';
export * from './domain-error';
export * from './decimal';
export * from './sealing';
export * from './trading-hours';
export * from './precision';
export type { ChainAsset, ChainSpec, ChainToken } from './config/chains';
