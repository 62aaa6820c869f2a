/**
 * The layers every subgraph is built from, enforced on every `npm test` (`npm run lint:layers`).
 * docs/architecture.md ("Rooms and layers") explains them:
 *   api/     type-graphql schema, resolvers, HTTP routes — the only layer that knows GraphQL
 *   app/     use cases and services that orchestrate domain and infra
 *   domain/  pure rules and domain errors: no I/O, no GraphQL, no ORM
 *   infra/   MikroORM entities, repositories, loaders, migrations, Redis, provider adapters
 *   events/  what the subgraph publishes and consumes, built on shared/src/contracts
 *   subgraph.ts wires them together (the composition root); index.ts starts the process.
 */
const SUBGRAPH = '^subgraphs/([^/]+)/src/';

/** Packages that do I/O or know GraphQL: never in a domain layer. */
const IMPURE_PACKAGES = [
  'graphql',
  'type-graphql',
  '@apollo/',
  '@mikro-orm/',
  'ioredis',
  'graphql-redis-subscriptions',
  'graphql-ws',
  'express',
  'ws',
  'undici',
  'pg',
  'prom-client',
  'dataloader',
];
/** matching's engine as its package entry exports it (dist, what other workspaces resolve to). */
const ENGINE_LIBRARY = '^subgraphs/matching/dist/domain/engine/index\\.(js|d\\.ts)$';

const IMPURE_NODE = ['http', 'https', 'net', 'tls', 'dgram', 'fs', 'child_process', 'dns'];

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle makes load order matter and hides which module owns what.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      comment: 'domain/ holds rules only: it imports no other layer of its subgraph.',
      severity: 'error',
      from: { path: `${SUBGRAPH}domain/` },
      to: { path: `${SUBGRAPH}(api|app|infra|events)/` },
    },
    {
      name: 'domain-does-no-io',
      comment: 'domain/ does no I/O and knows no GraphQL; it may use @tradegraph/shared/domain (contracts, DomainError, decimals).',
      severity: 'error',
      from: { path: `${SUBGRAPH}domain/` },
      to: {
        pathNot: '^shared/(src|dist)/(domain|domain-error|decimal)\\.(ts|js|d\\.ts)$|^shared/(src|dist)/contracts/',
        path: [
          '^shared/(src|dist)/',
          ...IMPURE_PACKAGES.map((name) => `(^|/)node_modules/${name}${name.endsWith('/') ? '' : '/'}`),
          ...IMPURE_NODE.map((name) => `^(node:)?${name}$`),
        ],
      },
    },
    {
      name: 'only-api-knows-graphql',
      comment: 'GraphQL stays at the edge: app, infra and events throw DomainErrors, which the API edge maps once.',
      severity: 'error',
      from: { path: `${SUBGRAPH}(app|infra|events|domain)/` },
      to: { path: '(^|/)node_modules/((graphql|type-graphql)/|@apollo/)' },
    },
    {
      name: 'nothing-imports-api',
      comment: 'api/ is the outermost layer: only subgraph.ts (the composition root) imports it.',
      severity: 'error',
      from: { path: `${SUBGRAPH}(app|domain|infra|events)/` },
      to: { path: `${SUBGRAPH}api/` },
    },
    {
      name: 'infra-below-app',
      comment: 'infra/ adapts the outside world for app/; it never calls a use case or publishes.',
      severity: 'error',
      from: { path: `${SUBGRAPH}infra/` },
      to: { path: `${SUBGRAPH}(app|events)/` },
    },
    {
      name: 'subgraphs-meet-only-through-contracts',
      comment: 'A subgraph never imports another: they talk over channels and routes in shared/src/contracts.',
      severity: 'error',
      from: { path: '^subgraphs/([^/]+)/' },
      to: { path: '^subgraphs/([^/]+)/', pathNot: `^subgraphs/$1/|${ENGINE_LIBRARY}` },
    },
    {
      name: 'engine-library-only-in-domain',
      comment:
        "The one exception to the rule above: matching's engine is a pure, deterministic library (no I/O, no state outside the instance), published as the package entry @tradegraph/matching/engine. Another subgraph's domain/ may run its own in-memory instance (trading's backtests); no other layer may, and nothing else of matching is reachable.",
      severity: 'error',
      from: { path: `^subgraphs/([^/]+)/`, pathNot: `^subgraphs/(matching/|[^/]+/src/domain/)` },
      to: { path: ENGINE_LIBRARY },
    },
    {
      name: 'gateway-knows-no-subgraph',
      severity: 'error',
      from: { path: '^gateway/' },
      to: { path: '^subgraphs/' },
    },
    {
      name: 'contracts-stand-alone',
      comment: 'Contracts are plain names and types that both sides of an edge import.',
      severity: 'error',
      from: { path: '^shared/src/contracts/' },
      to: { pathNot: '^shared/src/contracts/' },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)(node_modules|dist)/' },
    exclude: { path: '(^|/)test/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    combinedDependencies: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
