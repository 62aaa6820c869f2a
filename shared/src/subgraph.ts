import 'reflect-metadata';
import http from 'node:http';
import type { BlockList } from 'node:net';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { getOperationAST, parse, type GraphQLDirective, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type NonEmptyArray } from 'type-graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { Registry, Counter, Gauge, collectDefaultMetrics } from 'prom-client';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Migration } from '@mikro-orm/migrations';
import type { Options } from '@mikro-orm/postgresql';
import { config, databaseUrl, portOf, redisUrl, type SubgraphName } from './config';
import { createLogger, requestIdFrom, REQUEST_ID_HEADER, type Logger } from './logger';
import { createTokenVerifier, requireScope, type TokenVerifier, type Viewer } from './auth';
import { rememberVerifiedTokens } from './verified-tokens';
import { closeSessionRevocations, refuseEndedSessions } from './session-revocations';
import { stopOnSignals } from './shutdown';
import { assertAccessDeclared } from './field-access';
import { INTERNAL_REFUSAL, isInternalCaller, isOpenSubgraphPath, listenOnBindHost } from './internal-token';
import { createEventBus, type EventBus } from './pubsub';
import { openDatabase, type EntityManager } from './orm';
import { CLIENT_USER_AGENT_HEADER, clientIp, trustedGateways } from './client-ip';
import { DateTimeScalar, DecimalScalar } from './scalars';
import { formatClientError, introspectionEnabled, jsonErrorHandler } from './error-format';
import { inputGuardPlugin } from './input-guard';
import { isGraphQLBatchPost, isPlainGraphQLPost, serveGraphQLBatch, serveGraphQLPost, type RequestHead } from './graphql-http';
import { REQUEST_ID_ATTRIBUTE, requestTracing } from './tracing';
import { WebhookOutboxRelay, postWebhookEvents, recordWebhookEvents, webhookEventsUrl } from './outbox';
import type { WebhookEvent } from './contracts/webhook-events';

/**
 * What every resolver of every subgraph gets: who is asking, a unit of work, batched loaders,
 * and the subgraph's services (what its `prepare()` made: the engine, the price book, …).
 */
export interface SubgraphContext<Loaders = unknown, Services = unknown> {
  reqId: string;
  logger: Logger;
  viewer: Viewer | null;
  em: EntityManager;
  bus: EventBus;
  loaders: Loaders;
  /** The subgraph's long-lived services, made once at start by its definition's `prepare()`. */
  services: Services;
  /** The caller's address as the gateway saw it (see clientIp); undefined when unknown. */
  clientIp?: string;
  /** The caller's User-Agent as the gateway saw it. */
  userAgent?: string;
  /** The caller's own credentials (HTTP), for calls this subgraph makes on the caller's behalf. */
  authorization?: string;
}

/** A subgraph's `__resolveReference` functions, keyed by entity type name. */
export type ReferenceResolvers = Record<string, { __resolveReference: (reference: any, context: SubgraphContext<any, any>) => unknown }>;

/**
 * A subgraph, as the platform runs it (docs/architecture.md, "Rooms and layers"). `Services` is
 * what `prepare()` returns; resolvers find it in `context.services`, routes and background work
 * receive it as an argument, so no service lives in a module-level variable.
 */
export interface SubgraphDefinition<Loaders, Services = void> {
  name: SubgraphName;
  resolvers: NonEmptyArray<Function>;
  /** Types reachable only through federation (entity stubs, extended types). */
  orphanedTypes?: Function[];
  /** Directive definitions the subgraph's types use beyond federation's (e.g. `cacheControlDirective`). */
  directives?: GraphQLDirective[];
  entities: NonNullable<Options['entities']>;
  migrations: (new (...args: any[]) => Migration)[];
  referenceResolvers: ReferenceResolvers;
  /** Request-scoped DataLoaders: made anew for every request so caches never leak between callers. */
  createLoaders: (em: EntityManager, logger: Logger, services: Services) => Loaders;
  /** Runs after the database is open and before the server listens: loads state, makes the services. */
  prepare?: (platform: SubgraphPlatform) => Promise<Services>;
  /** Extra HTTP routes beside /graphql, /health and /metrics (e.g. the JWKS of accounts). */
  routes?: (app: express.Express, platform: SubgraphPlatform, services: Services) => void;
  /**
   * The subgraph records webhook events in its schema's `webhook_outbox` (its migrations create
   * it with createWebhookOutboxSql): the platform relays them to accounts while it runs.
   */
  webhookOutbox?: boolean;
  /** Work that runs after the server is up (feeds, publishers); returns a stop function. */
  start?: (platform: SubgraphPlatform, services: Services) => Promise<() => Promise<void>>;
}

/** What the platform gives every subgraph: its database, the event bus, its logger and metrics. */
export interface SubgraphPlatform {
  orm: MikroORM;
  bus: EventBus;
  logger: Logger;
  /** The registry `/metrics` serves, for a subgraph's own metrics. */
  registry: Registry;
  /** Webhook events: record them with the fact's transaction, then wake the relay (shared/src/outbox.ts). */
  webhooks: WebhookOutbox;
}

/** A subgraph's side of webhook events; see shared/src/outbox.ts. */
export interface WebhookOutbox {
  /** Records events in this subgraph's outbox, in `em`'s transaction. */
  record(em: EntityManager, events: readonly WebhookEvent<object>[]): Promise<void>;
  /** Tells the relay that events were committed (it also looks by itself every WEBHOOK_OUTBOX_INTERVAL_MS). */
  committed(): void;
}

export interface RunningSubgraph {
  name: SubgraphName;
  port: number;
  schema: GraphQLSchema;
  orm: MikroORM;
  bus: EventBus;
  stop(): Promise<void>;
}

async function buildTypeGraphqlSchema(
  definition: Pick<SubgraphDefinition<unknown>, 'name' | 'resolvers' | 'orphanedTypes' | 'directives'>,
  bus: EventBus,
): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: definition.resolvers,
    orphanedTypes: definition.orphanedTypes,
    directives: definition.directives,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // type-graphql's PubSub interface over our event bus, for resolvers that use `topics`.
    pubSub: { publish: (name, ...args) => void bus.publish(name, args[0]), subscribe: (name) => bus.subscribe(name) },
    validate: false,
    skipCheck: true,
  });
  // Every root field and every User field says who may resolve it (field-access.ts).
  assertAccessDeclared(schema, definition.name);
  return schema;
}

const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible"])';

/**
 * Code-first schema (type-graphql) → SDL with directives → Apollo subgraph schema. The
 * reference resolvers are merged into type-graphql's resolver map so one schema object serves
 * both HTTP and WebSocket.
 */
export async function buildFederatedSchema(
  definition: Pick<SubgraphDefinition<unknown>, 'name' | 'resolvers' | 'orphanedTypes' | 'directives' | 'referenceResolvers'>,
  bus: EventBus,
): Promise<GraphQLSchema> {
  const typeGraphqlSchema = await buildTypeGraphqlSchema(definition, bus);
  const resolvers = createResolversMap(typeGraphqlSchema) as Record<string, Record<string, unknown>>;
  for (const [typeName, reference] of Object.entries(definition.referenceResolvers)) {
    resolvers[typeName] = { ...(resolvers[typeName] ?? {}), ...reference };
  }
  // Custom scalars keep their parse/serialize functions.
  resolvers.Decimal = DecimalScalar as unknown as Record<string, unknown>;
  resolvers.DateTime = DateTimeScalar as unknown as Record<string, unknown>;
  const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(typeGraphqlSchema)}`);
  return buildSubgraphSchema([{ typeDefs, resolvers: resolvers as never }]);
}

/** The subgraph's SDL as composition sees it (used by schema/ to compose the supergraph). */
export async function subgraphSdl(
  definition: Pick<SubgraphDefinition<unknown>, 'name' | 'resolvers' | 'orphanedTypes' | 'directives' | 'referenceResolvers'>,
): Promise<string> {
  const typeGraphqlSchema = await buildTypeGraphqlSchema(definition, createEventBus(undefined));
  return `${FEDERATION_LINK}\n\n${printSchemaWithDirectives(typeGraphqlSchema)}`;
}

/**
 * Counts every `_entities` call by the types it asked for, and logs it (and every other
 * operation) at debug level: proof of batching, and a trace. Not at info: one synchronous log
 * write per request was a noticeable part of a small request's CPU.
 */
function entitiesTracePlugin(metrics: { entityFetches: Counter }, logger: Logger): ApolloServerPlugin<SubgraphContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, contextValue }) {
          const selections = operation?.selectionSet.selections ?? [];
          const isEntities = selections.some((s) => s.kind === 'Field' && s.name.value === '_entities');
          const trace = logger.isLevelEnabled('debug');
          if (isEntities) {
            const representations = (request.variables?.representations ?? []) as { __typename?: string }[];
            const typenames: Record<string, number> = {};
            for (const r of representations) typenames[r.__typename ?? '?'] = (typenames[r.__typename ?? '?'] ?? 0) + 1;
            for (const typename of Object.keys(typenames)) metrics.entityFetches.inc({ typename });
            if (trace) contextValue.logger.debug({ op: '_entities', typenames }, 'entities fetch');
          } else if (trace) {
            const fields = selections.map((s) => (s.kind === 'Field' ? s.name.value : s.kind));
            contextValue.logger.debug({ op: operation?.operation, operationName: request.operationName, fields }, 'operation');
          }
        },
      };
    },
  };
}

/**
 * A request's context. The request's logger, unit of work, loaders and client address are made
 * when a resolver first asks for them: an entity fetch answered from its representation alone,
 * or a refused request, needs none of them, and making them all was a good part of a small
 * request's CPU.
 * The lazy members are getters on the prototype because Apollo Server copies the context's own
 * properties into a fresh object for every operation (which would run own getters at once).
 */
class RequestContext<Loaders, Services> implements SubgraphContext<Loaders, Services> {
  reqId!: string;
  services!: Services;
  viewer!: Viewer | null;
  bus!: EventBus;
  userAgent?: string;
  authorization?: string;
  private made: { logger?: Logger; em?: EntityManager; loaders?: Loaders; clientIp?: string | undefined } = {};

  constructor(
    fields: Pick<SubgraphContext<Loaders, Services>, 'reqId' | 'viewer' | 'bus' | 'services' | 'userAgent' | 'authorization'>,
    private readonly from: {
      logger: Logger;
      orm: MikroORM;
      createLoaders: (em: EntityManager, logger: Logger, services: Services) => Loaders;
      req?: RequestHead;
      gateways: BlockList;
    },
  ) {
    Object.assign(this, fields);
  }

  get logger(): Logger {
    return (this.made.logger ??= this.from.logger.child({ reqId: this.reqId }));
  }

  get em(): EntityManager {
    return (this.made.em ??= this.from.orm.em.fork());
  }

  get loaders(): Loaders {
    return (this.made.loaders ??= this.from.createLoaders(forkedOnFirstUse(this, this.from.orm.em), this.logger, this.services));
  }

  get clientIp(): string | undefined {
    if (!('clientIp' in this.made)) this.made.clientIp = this.from.req ? clientIp(this.from.req, this.from.gateways) : undefined;
    return this.made.clientIp;
  }
}

/** What a loader may take from the shared manager: the driver's, the same for every fork. */
const SHARED_MEMBERS = new Set<string | symbol>(['getConnection', 'getPlatform', 'getDriver']);

/**
 * The request's EntityManager as its loaders see it: a loader that only runs SQL (selectRows
 * needs the connection and the platform) never forks a unit of work; any other use forks it.
 */
function forkedOnFirstUse(context: { em: EntityManager }, shared: EntityManager): EntityManager {
  return new Proxy({} as EntityManager, {
    get(_target, key) {
      const em = SHARED_MEMBERS.has(key) ? shared : context.em;
      const value = Reflect.get(em, key, em) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(em) : value;
    },
  });
}

export async function startSubgraph<Loaders, Services>(
  definition: SubgraphDefinition<Loaders, Services>,
  options: { databaseUrl: string; port?: number; verifyToken?: TokenVerifier },
): Promise<RunningSubgraph> {
  const { name } = definition;
  const logger = createLogger(name);
  const port = options.port ?? portOf(name);
  // Subgraphs verify every token again (no trust by network position); a client sends the same token with each
  // request, so a successful check is remembered until shortly before it could change.
  // Every request's session is also checked against the ended ones (session-revocations.ts).
  const verifyToken = refuseEndedSessions(options.verifyToken ?? rememberVerifiedTokens(createTokenVerifier()));

  const orm = await openDatabase({
    schema: name,
    url: options.databaseUrl,
    entities: definition.entities,
    migrations: definition.migrations,
    logger,
  });
  const bus = createEventBus(redisUrl());
  const schema = await buildFederatedSchema(definition, bus);
  const registry = new Registry();
  registry.setDefaultLabels({ service: name });
  const relay = definition.webhookOutbox
    ? new WebhookOutboxRelay(orm, name, postWebhookEvents(webhookEventsUrl()), logger, config().WEBHOOK_OUTBOX_INTERVAL_MS)
    : undefined;
  const webhooks: WebhookOutbox = {
    record: (em, events) => {
      if (!relay) throw new Error(`${name} records webhook events but its definition does not declare webhookOutbox`);
      return recordWebhookEvents(em, name, events);
    },
    committed: () => relay?.kick(),
  };
  const platform: SubgraphPlatform = { orm, bus, logger, registry, webhooks };
  const services = ((await definition.prepare?.(platform)) ?? {}) as Services;

  if (config().TRADEGRAPH_EMBEDDED !== '1') collectDefaultMetrics({ register: registry });
  const metrics = {
    entityFetches: new Counter({
      name: 'subgraph_entities_fetches_total',
      help: 'Batched _entities fetches received, by entity type',
      labelNames: ['typename'],
      registers: [registry],
    }),
    activeSubscriptions: new Gauge({
      name: 'subgraph_active_subscriptions',
      help: 'Subscriptions being served over graphql-ws, by root field',
      labelNames: ['field'],
      registers: [registry],
    }),
  };

  const gateways = trustedGateways();
  const contextFor = (reqId: string, viewer: Viewer | null, req?: RequestHead): SubgraphContext<Loaders, Services> => {
    const agent = req?.headers[CLIENT_USER_AGENT_HEADER];
    return new RequestContext<Loaders, Services>(
      { reqId, viewer, bus, services, userAgent: typeof agent === 'string' ? agent : undefined, authorization: req?.headers.authorization },
      { logger, orm, createLoaders: definition.createLoaders, req, gateways },
    );
  };

  const app = express();
  app.disable('x-powered-by');
  const tracing = requestTracing();
  const graphqlContext = async (req: RequestHead) => {
    const reqId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    tracing?.annotate({ [REQUEST_ID_ATTRIBUTE]: reqId });
    return contextFor(reqId, await verifyToken(req.headers.authorization), req);
  };
  // Ordinary GraphQL POSTs (every request from the gateway) skip express, and so do the gateway's
  // batches of them; see serveGraphQLPost and serveGraphQLBatch.
  const httpServer = http.createServer((req, res) => {
    // Only the gateway and the system's own processes may call a subgraph (internal-token.ts).
    if (!isOpenSubgraphPath(req.url) && !isInternalCaller(req.headers)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(INTERNAL_REFUSAL);
      return;
    }
    if (isPlainGraphQLPost(req)) void serveGraphQLPost(apollo, req, res, graphqlContext);
    else if (isGraphQLBatchPost(req)) void serveGraphQLBatch(apollo, req, res, graphqlContext);
    else app(req, res);
  });

  // WebSocket: graphql-ws serves this subgraph's subscriptions (to the gateway or any router).
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    // The upgrade itself must carry the internal credential (refused with 401 otherwise).
    verifyClient: ({ req }: { req: http.IncomingMessage }) => isInternalCaller(req.headers),
  });
  type WsExtra = { viewer?: Viewer | null; active?: Map<string, string> };
  const endSubscription = (extra: WsExtra, id: string) => {
    const field = extra.active?.get(id);
    if (field === undefined) return;
    extra.active!.delete(id);
    metrics.activeSubscriptions.dec({ field });
  };
  const wsCleanup = useServer<Record<string, unknown>, WsExtra>(
    {
      schema,
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        try {
          ctx.extra.viewer = await verifyToken(typeof authorization === 'string' ? authorization : undefined);
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      context: (ctx, _id, payload) => {
        const reqId = requestIdFrom(payload.extensions?.reqId as string | undefined);
        return contextFor(reqId, ctx.extra.viewer ?? null, ctx.extra.request) as unknown as Record<string, unknown>;
      },
      onOperation: (ctx, id, _payload, args, result) => {
        if (!result || typeof result !== 'object' || !(Symbol.asyncIterator in result)) return;
        const operation = getOperationAST(args.document, args.operationName);
        const root = operation?.selectionSet.selections[0];
        const field = root?.kind === 'Field' ? root.name.value : 'unknown';
        (ctx.extra.active ??= new Map()).set(id, field);
        metrics.activeSubscriptions.inc({ field });
      },
      onComplete: (ctx, id) => endSubscription(ctx.extra, id),
      onClose: (ctx) => {
        for (const id of [...(ctx.extra.active?.keys() ?? [])]) endSubscription(ctx.extra, id);
      },
    },
    wsServer,
  );

  const introspection = introspectionEnabled();
  const apollo = new ApolloServer<SubgraphContext<Loaders>>({
    schema,
    introspection,
    includeStacktraceInErrorResponses: false,
    // The process's one shutdown (stopOnSignals) stops this server in its turn; see shutdown.ts.
    stopOnTerminationSignals: false,
    // Internal errors (SQL, bugs) are logged with an id and answered without their details.
    formatError: formatClientError({ logger, suggestions: introspection }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginInlineTraceDisabled(),
      entitiesTracePlugin(metrics, logger),
      inputGuardPlugin(1_000_000),
    ],
  });
  await apollo.start();

  // Liveness: the process runs and answers. It stays ok while Postgres is down, so an orchestrator
  // does not restart a process that will recover by itself when the database is back.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: name });
  });
  // Readiness: migrations ran, the subgraph's state is loaded (the engine replayed), its work has
  // started, the database answers now, and the process is not stopping.
  let lifecycle: 'starting' | 'ready' | 'stopping' = 'starting';
  app.get('/ready', async (_req, res) => {
    if (lifecycle !== 'ready') return void res.status(503).json({ status: lifecycle, service: name });
    try {
      await orm.em.getConnection().execute('select 1');
      res.json({ status: 'ready', service: name });
    } catch {
      res.status(503).json({ status: 'database unavailable', service: name });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  definition.routes?.(app, platform, services);
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, { context: ({ req }) => graphqlContext(req) }),
  );
  // Last: any error above (a body that is not JSON, too large, in another charset) is answered as JSON.
  app.use(jsonErrorHandler(logger));

  await listenOnBindHost(httpServer, port);
  const stopWork = definition.start ? await definition.start(platform, services) : async () => {};
  relay?.start();
  lifecycle = 'ready';
  logger.info({ port }, `${name} subgraph listening`);

  return {
    name,
    port,
    schema,
    orm,
    bus,
    /**
     * In this order: refuse readiness, close WebSockets (1001 Going Away), stop accepting and drain
     * the HTTP requests in flight, then the subgraph's own work (matching makes its journal durable
     * and writes a snapshot here), then Redis and the pool.
     */
    async stop() {
      lifecycle = 'stopping';
      await wsCleanup.dispose();
      await apollo.stop();
      await stopWork();
      // After the subgraph's own work: what it recorded while stopping is still relayed (or stays in the outbox).
      await relay?.stop();
      await bus.close();
      await orm.close();
      await closeSessionRevocations();
    },
  };
}

/** Process entry point of a subgraph run on its own (DATABASE_URL required). */
export function runSubgraphProcess<Loaders, Services>(definition: SubgraphDefinition<Loaders, Services>): void {
  const logger = createLogger(definition.name);
  const url = databaseUrl();
  if (!url) {
    logger.fatal('DATABASE_URL is required to run a subgraph on its own; `npm start` without it runs the embedded system');
    process.exit(1);
  }
  startSubgraph(definition, { databaseUrl: url }).then(
    (running) => stopOnSignals(() => running.stop(), logger),
    (error: unknown) => {
      logger.fatal({ err: error }, 'subgraph failed to start');
      process.exit(1);
    },
  );
}

/** A `subscribe` for events addressed to the signed-in user, on the channel `channelOf(userId)`. */
export function viewerChannel<T>(channelOf: (userId: string) => string) {
  return ({ context }: { context: unknown }): AsyncIterableIterator<T> => {
    const ctx = context as SubgraphContext;
    // Events about a user are user data: API keys need the read scope.
    const viewer = requireScope(ctx.viewer, 'read');
    return ctx.bus.subscribe<T>(channelOf(viewer.userId));
  };
}
