/**
 * The contracts between processes (docs/architecture.md, "Contracts"): one file per edge, each
 * event channel with its payload type and each internal HTTP route with its request and answer,
 * plus the list of error codes clients receive. Producers and consumers import these; no channel
 * name or payload shape is written anywhere else. Nothing here does I/O.
 */
export * from './channel';
export * from './processes';
export * from './errors';
export * from './matching-orders';
export * from './matching-balances';
export * from './matching-book';
export * from './matching-trades';
export * from './matching-adjustments';
export * from './accounts-withdrawal-profile';
export * from './markets-prices';
export * from './markets-candles';
export * from './markets-listing';
export * from './funding-deposits';
export * from './funding-withdrawals';
export * from './accounts-sessions';
export * from './accounts-api-keys';
export * from './accounts-audit';
export * from './accounts-two-factor';
export * from './webhook-events';
export * from './trading-alerts';
