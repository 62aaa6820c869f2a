import 'reflect-metadata';

export * from './contracts';
export * from './config';
export * from './logger';
export * from './failure-streak';
export * from './errors';
export * from './error-format';
export * from './input-guard';
export * from './scalars';
export * from './pubsub';
export * from './outbox';
export * from './auth';
export * from './orm';
export * from './relay';
export * from './subgraph';
export * from './loaders';
export * from './decimal';
export * from './domain-error';
export * from './trading-hours';
export * from './precision';
export * from './coalesce';
export * from './client-ip';
export * from './cache-control';
export * from './admin-audit';
export * from './verified-tokens';
export * from './session-revocations';
export * from './shutdown';
export * from './internal-token';
export * from './sealing';
export * from './field-access';
export * from './tracing';
export {
  SUBGRAPH_BATCH_ANSWER_TYPE,
  SUBGRAPH_BATCH_MAX,
  SUBGRAPH_BATCH_PATH,
  type RequestHead,
  type SubgraphBatchAnswer,
  type SubgraphBatchRequest,
} from './graphql-http';
