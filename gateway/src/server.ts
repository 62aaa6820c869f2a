import http from 'node:http';
import { readFileSync } from 'node:fs';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloGateway, type ServiceMap } from '@apollo/gateway';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import {
  REQUEST_ID_HEADER,
  SUBGRAPH_NAMES,
  createLogger,
  createTokenVerifier,
  rememberVerifiedTokens,
  refuseEndedSessions,
  listenOnBindHost,
  closeSessionRevocations,
  portOf,
  subgraphUrl,
  subgraphWsUrl,
  trustedProxies,
  formatClientError,
  inputGuardPlugin,
  introspectionEnabled,
  jsonErrorHandler,
  type TokenVerifier,
  config,
} from '@tradegraph/shared';
import type { GatewayContext } from './context';
import { SubgraphDataSource, SubgraphFetches } from './execution/datasource';
import { MutationForwarder } from './execution/forward';
import type { SubgraphBatcher } from './execution/subgraph-batch';
import { SubscriptionPlanner } from './subscriptions/planner';
import { UpstreamConnections } from './subscriptions/upstream';
import { SubscriptionHub } from './subscriptions/hub';
import { serveWebSocket } from './subscriptions/websocket';
import { serveHttpSubscriptions } from './subscriptions/http-streams';
import { playgroundRouter } from './edge/playground';
import { exportProxy } from './edge/export-proxy';
import { ApiKeyExchange } from './auth/api-keys';
import { authenticator } from './auth/authenticate';
import { PublicResponseCache } from './cache/response-cache';
import { graphqlFastPath } from './edge/fast-path';
import { httpContext } from './edge/http-context';
import { keepConnectionsAlive } from './edge/keep-alive';
import { configuredCors } from './edge/cors';
import { ResponseCompression } from './edge/compression';
import { CSRF_PREFLIGHT_HEADERS } from './edge/csrf';
import { bodyRefusals } from './edge/request-body';
import { LeanExecution } from './execution/lean';
import { OperationDocuments } from './cache/documents';
import { SubgraphReadiness } from './ops/readiness';
import { QueryGate } from './limits/query-gate';
import { RequestRateLimiter, configuredRateLimits } from './limits/rate-limits';
import { validateScalarsAtTheEdge } from './execution/scalars';
import { OperationMetrics, receivedAt, secondsSince } from './ops/operation-metrics';

export const SUPERGRAPH_PATH = require.resolve('@tradegraph/schema/supergraph.graphql');

export interface RunningGateway {
  port: number;
  hub: SubscriptionHub;
  stop(): Promise<void>;
}

/**
 * Rate limits for operations that reach Apollo Server's pipeline (GET, POSTs the fast path passed
 * on, queries and mutations over WebSocket): the same buckets as on the fast path.
 */
function rateLimitPlugin(limiter: RequestRateLimiter, gate: () => QueryGate): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document, request }) {
          if (!operation) return;
          const refused = await limiter.admit(contextValue, operation, gate().costOf(document, operation, request.variables));
          if (refused) throw refused;
        },
      };
    },
  };
}

function requestLogPlugin(logger: ReturnType<typeof createLogger>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue, request }) {
      return {
        async didResolveOperation({ operation }) {
          logger.info({ reqId: contextValue.reqId, op: operation?.operation, operationName: request.operationName }, 'request');
        },
        async willSendResponse({ response }) {
          response.http.headers.set(REQUEST_ID_HEADER, contextValue.reqId);
        },
      };
    },
  };
}

export async function startGateway(
  options: { port?: number; supergraphSdl?: string; verifyToken?: TokenVerifier } = {},
): Promise<RunningGateway> {
  const logger = createLogger('gateway');
  const port = options.port ?? portOf('gateway');
  const supergraphSdl = options.supergraphSdl ?? readFileSync(SUPERGRAPH_PATH, 'utf8');
  // A signature check is remembered; whether the token's session has ended is asked every time.
  const verifyToken = refuseEndedSessions(rememberVerifiedTokens(options.verifyToken ?? createTokenVerifier()));
  const proxies = trustedProxies();

  // One data source per subgraph, shared by queries and by the per-event part of subscriptions,
  // all fetching through one pool and batcher.
  const fetches = new SubgraphFetches();
  const serviceMap: ServiceMap = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [name, new SubgraphDataSource(fetches, { url: subgraphUrl(name), service: name })]),
  );
  // @apollo/gateway otherwise sends usage figures to Apollo's servers (after probing cloud metadata
  // addresses to describe the host): this gateway talks only to its own subgraphs unless told to.
  process.env.APOLLO_TELEMETRY_DISABLED = config().APOLLO_TELEMETRY_DISABLED ?? 'true';
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) => serviceMap[name] as SubgraphDataSource,
  });

  const planner = new SubscriptionPlanner(supergraphSdl);
  const apiSchema = planner.apiSchema.toGraphQLJSSchema();
  validateScalarsAtTheEdge(apiSchema);
  const documents = new OperationDocuments(apiSchema);
  const upstreams = new UpstreamConnections((name) => subgraphWsUrl(name));
  const hub = new SubscriptionHub(planner, upstreams, serviceMap, logger, apiSchema);

  const app = express();
  app.disable('x-powered-by');
  const compression = ResponseCompression.configured();
  // The pipeline's answers, the playground page and the CSV export (the fast path compresses its own).
  if (compression) app.use(compression.middleware());
  // Requests go to the fast path first (edge/fast-path.ts), the rest to `app`.
  const httpServer = http.createServer();
  keepConnectionsAlive(httpServer);
  const responseCache = new PublicResponseCache();
  const operations = new OperationMetrics();

  const introspection = introspectionEnabled();
  // What clients see of errors: internal ones (and subgraphs' raw answers) masked, with an id in the log.
  const formatError = formatClientError({ logger, suggestions: introspection });
  const rateLimits = configuredRateLimits();
  const limiter = rateLimits ? new RequestRateLimiter(rateLimits, logger) : null;
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection,
    includeStacktraceInErrorResponses: false,
    // The process's one shutdown (stopOnSignals in shared) stops this server; see shared/src/shutdown.ts.
    stopOnTerminationSignals: false,
    // GET and form-like POSTs run only with a header that forces a browser's preflight (edge/csrf.ts).
    csrfPrevention: { requestHeaders: CSRF_PREFLIGHT_HEADERS },
    formatError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Before the response cache makes a key of the variables.
      inputGuardPlugin(),
      // (The gate is made below, once the gateway's schema exists; requests come only after that.)
      ...(limiter ? [rateLimitPlugin(limiter, () => httpGate)] : []),
      requestLogPlugin(logger),
      responseCache.plugin(),
      operations.plugin(),
    ],
  });
  await apollo.start();
  const leanSchema = gateway.schema ?? apiSchema;
  if (leanSchema !== apiSchema) validateScalarsAtTheEdge(leanSchema);
  // Validated against the schema Apollo Server validates against, so no document runs on the fast path that it would refuse.
  const leanDocuments = new OperationDocuments(leanSchema);
  const httpGate = new QueryGate(leanDocuments, leanSchema, 'http');

  // WebSocket /graphql: subscriptions (federated through the hub), queries and mutations too.
  const apiKeys = new ApiKeyExchange(logger);
  // The one check of a caller's credentials, for HTTP and WebSocket alike (auth/authenticate.ts).
  const authenticate = authenticator({ verifyToken, apiKeys });
  const wsCleanup = serveWebSocket({
    httpServer,
    apiSchema,
    documents,
    gate: new QueryGate(documents, apiSchema, 'websocket'),
    limiter,
    hub,
    apollo,
    authenticate,
    apiKeys,
    proxies,
    logger,
    operations,
  });

  const registry = new Registry();
  registry.setDefaultLabels({ service: 'gateway' });
  // The process's own figures, as every subgraph reports them: CPU, memory, GC pauses and
  // event-loop delay (the histogram restarts at each scrape, so its max is the worst stall since
  // the last one). The gateway is one per process, embedded or not.
  collectDefaultMetrics({ register: registry });
  operations.registerIn(registry);
  const stat = (name: string, help: string, pick: (s: ReturnType<SubscriptionHub['stats']>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pick(hub.stats()));
      },
    });
  stat('gateway_upstream_subscriptions', 'Upstream subscriptions open to subgraphs', (s) => s.upstreamSubscriptions);
  stat('gateway_subscription_listeners', 'Client subscriptions served from them', (s) => s.listeners);
  stat('gateway_upstream_connections', 'graphql-ws connections open to subgraphs', (s) => s.upstreamConnections);

  // Liveness: the gateway process answers. Readiness: every subgraph is ready too (see ops/readiness.ts).
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });
  const readiness = new SubgraphReadiness(SUBGRAPH_NAMES.map((name) => ({ name, url: subgraphUrl(name) })));
  let stopping = false;
  app.get('/ready', async (_req, res) => {
    const subgraphs = await readiness.check();
    const ready = !stopping && Object.values(subgraphs).every((status) => status === 'ready');
    res.status(ready ? 200 : 503).json({ status: stopping ? 'stopping' : ready ? 'ready' : 'not ready', service: 'gateway', subgraphs });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  app.get('/export/*path', exportProxy());
  app.use(playgroundRouter());
  app.get('/graphql', (req, res, next) => {
    // A browser opening the endpoint gets the playground; GraphQL GET requests go on.
    if (req.accepts(['application/json', 'text/html']) === 'text/html' && !req.query.query) return res.redirect('/');
    next();
  });
  const contextOf = httpContext({ authenticate, proxies });
  // Subscriptions over graphql-sse and multipart HTTP, through the same hub as graphql-ws.
  const httpStreams = serveHttpSubscriptions({
    apiSchema,
    documents,
    gate: new QueryGate(documents, apiSchema, 'streams'),
    limiter,
    hub,
    apollo,
    contextOf,
    apiKeys,
    proxies,
    logger,
    operations,
  });
  app.use(
    '/graphql',
    // A body the fast path read and found unreadable is refused here as express.json would refuse it.
    bodyRefusals(),
    express.json({ limit: '1mb' }),
    httpStreams.handler,
    // Refusals here never reach Apollo Server's plugins: counted as operations that could not run.
    httpGate.middleware((req, error) => operations.record({ name: undefined, type: 'unknown', seconds: secondsSince(receivedAt(req)), errors: [error] })),
    expressMiddleware(apollo, {
      context: ({ req }) => contextOf(req),
    }),
  );
  // Last: a body express.json refuses (not JSON, too large, another charset or encoding) is answered as JSON, never HTML.
  app.use(jsonErrorHandler(logger));

  const fastHits = new Counter({
    name: 'gateway_response_cache_fast_hits_total',
    help: 'Cached public answers served before express and Apollo Server',
    registers: [registry],
  });
  const leanQueries = new Counter({
    name: 'gateway_lean_queries_total',
    help: 'Queries and mutations executed without express and the Apollo Server request pipeline',
    registers: [registry],
  });
  const forwardedMutations = new Counter({
    name: 'gateway_forwarded_mutations_total',
    help: 'Mutations one subgraph answered whole, sent to it without the gateway executor',
    registers: [registry],
  });
  const batchStat = (name: string, help: string, pick: (s: SubgraphBatcher['stats']) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(pick(fetches.batcher.stats));
      },
    });
  batchStat('gateway_subgraph_batches_total', 'Batches of subgraph fetches sent as one request', (s) => s.batches);
  batchStat('gateway_subgraph_batched_fetches_total', 'Subgraph fetches that went in a batch', (s) => s.batchedFetches);
  const fastPath = graphqlFastPath({
    app,
    cache: responseCache,
    logger,
    contextOf,
    onHit: () => fastHits.inc(),
    gate: httpGate,
    limiter,
    formatError,
    operations,
    compression,
    lean: new LeanExecution({
      executor: gateway.executor,
      documents: leanDocuments,
      schema: leanSchema,
      apolloLogger: apollo.logger,
      onAnswer: () => leanQueries.inc(),
      forwarder: new MutationForwarder({
        schema: leanSchema,
        planOf: (document, operationName) => planner.queryPlan(document, operationName),
        subgraphUrl: (name) => (serviceMap[name] as SubgraphDataSource | undefined)?.url,
        fetcher: fetches.fetch,
      }),
      onForward: () => forwardedMutations.inc(),
      fetches,
    }),
  });
  // Cross-origin browser calls (CORS_ORIGINS): only requests with an Origin header pay for the check.
  const cors = configuredCors();
  httpServer.on(
    'request',
    cors === null
      ? fastPath
      : (req: http.IncomingMessage, res: http.ServerResponse) => {
          if (req.headers.origin === undefined || cors(req, res)) fastPath(req, res);
        },
  );

  await listenOnBindHost(httpServer, port);
  logger.info({ port }, 'gateway listening');
  return {
    port,
    hub,
    async stop() {
      stopping = true;
      fastPath.close();
      httpStreams.dispose();
      await wsCleanup.dispose();
      await upstreams.closeAll();
      await apollo.stop();
      await closeSessionRevocations();
      await limiter?.close();
    },
  };
}
