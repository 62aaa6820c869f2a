import type http from 'node:http';
import type { BlockList } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ApolloServer } from '@apollo/server';
import { GraphQLError, getOperationAST, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { ErrorCode, clientIp, requestIdFrom, sessionRevocations, requestTracing, type Logger, type Viewer, config, type Config } from '@tradegraph/shared';
import type { GatewayContext } from '../context';
import type { ApiKeyExchange } from '../auth/api-keys';
import { socketCredentials, type Authenticate } from '../auth/authenticate';
import type { OperationDocuments } from '../cache/documents';
import type { OperationMetrics } from '../ops/operation-metrics';
import { clientError, type QueryGate } from '../limits/query-gate';
import type { RequestRateLimiter } from '../limits/rate-limits';
import { SocketWriter } from './direct';
import { KeepAlive, keepAlivePeriodMs } from './keep-alive';
import { EndedSessionWatch } from './session-watch';
import type { DirectTarget, SubscriptionHub } from './hub';

type SocketState = {
  authorization?: string;
  viewer?: Viewer | null;
  clientIp?: string;
  userAgent?: string;
  apiKey?: string;
  stopKeyWatch?: () => void;
  stopSessionWatch?: () => void;
  /** The connection's stream under the WebSocket (the upgrade request's socket). */
  stream?: Duplex;
  /** Writes the socket's hub subscriptions' events (created on its first subscription). */
  writer?: SocketWriter;
  /** The user this socket counts against (see `WebSocketLimits.maxSocketsPerUser`). */
  countedUser?: string;
};

/** What one client may hold open (WS_MAX_*; 0 turns a count off). */
export interface WebSocketLimits {
  /** Largest message a client may send, in bytes (`ws` closes the socket with 1009 beyond it). */
  maxMessageBytes: number;
  /** Operations (subscriptions, queries in flight) at once on one socket. */
  maxOperationsPerSocket: number;
  /** Sockets open at once from one client address. */
  maxSocketsPerIp: number;
  /** Sockets open at once for one signed-in user (or API key's user). */
  maxSocketsPerUser: number;
}

/** WS_MAX_*: 0 turns a count off; a message limit of 0 means the default. */
export function webSocketLimits(settings: Config = config()): WebSocketLimits {
  return {
    maxMessageBytes: settings.WS_MAX_MESSAGE_BYTES || 256 * 1024,
    maxOperationsPerSocket: settings.WS_MAX_OPERATIONS_PER_SOCKET,
    maxSocketsPerIp: settings.WS_MAX_SOCKETS_PER_IP,
    maxSocketsPerUser: settings.WS_MAX_SOCKETS_PER_USER,
  };
}

/** Close code for a client over a connection limit (graphql-ws uses 4429 for too many requests too). */
const TOO_MANY = 4429;

/** Counts of open sockets by key (address or user). */
class OpenCounts {
  private readonly counts = new Map<string, number>();
  /** Counts one more for `key` unless that would pass `max` (0 = no limit); false when refused. */
  take(key: string, max: number): boolean {
    const count = this.counts.get(key) ?? 0;
    if (max > 0 && count >= max) return false;
    this.counts.set(key, count + 1);
    return true;
  }
  release(key: string): void {
    const count = (this.counts.get(key) ?? 1) - 1;
    if (count <= 0) this.counts.delete(key);
    else this.counts.set(key, count);
  }
}

export interface WebSocketOptions {
  httpServer: http.Server;
  apiSchema: GraphQLSchema;
  documents: OperationDocuments;
  /** Admits each operation (input, size and cost limits), as on HTTP. */
  gate: QueryGate;
  /** Rate limits of subscriptions (queries and mutations over the socket are counted in Apollo Server's pipeline). */
  limiter: RequestRateLimiter | null;
  limits?: WebSocketLimits;
  hub: SubscriptionHub;
  apollo: ApolloServer<GatewayContext>;
  /** Checks credentials at connection_init (and an API key's again on each operation), as HTTP requests are checked. */
  authenticate: Authenticate;
  /** Re-checks an API key's socket periodically (`watch`). */
  apiKeys: ApiKeyExchange;
  proxies: BlockList;
  logger: Logger;
  /** Per-operation figures: subscriptions and refused operations here; queries and mutations through Apollo Server's plugin. */
  operations?: OperationMetrics;
}

/**
 * WebSocket /graphql (graphql-ws): subscriptions, federated through the hub, and queries and
 * mutations too. graphql-ws runs the protocol (connection_init and its auth, subscribe,
 * complete, ping); the events of hub subscriptions are written to the socket by the hub itself
 * (see `DirectListener`), everything else goes through graphql-ws.
 */
export function serveWebSocket(options: WebSocketOptions): { dispose(): void | Promise<void> } {
  const { httpServer, apiSchema, documents, gate, limiter, hub, apollo, authenticate, apiKeys, proxies, logger, operations } = options;
  const limits = options.limits ?? webSocketLimits();
  // perMessageDeflate stays off (the `ws` default, said here so it stays so): compressing every
  // frame for 10,000 sockets would cost more CPU than the bytes it saves on small JSON, and the
  // hub writes ready-made uncompressed frames to the stream (see `SocketWriter`).
  // maxPayload: `ws` would otherwise buffer messages of up to 100 MiB from anyone.
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', perMessageDeflate: false, maxPayload: limits.maxMessageBytes });
  // Sockets per client address, counted from the upgrade to the close.
  const socketsByIp = new OpenCounts();
  const socketsByUser = new OpenCounts();
  wsServer.on('connection', (socket, request) => {
    const ip = clientIp(request, proxies) ?? 'unknown';
    if (!socketsByIp.take(ip, limits.maxSocketsPerIp)) {
      socket.close(TOO_MANY, 'Too many connections from this address');
      return;
    }
    socket.once('close', () => socketsByIp.release(ip));
  });
  /** Each hub subscription's direct target, found again from its execution arguments in `subscribe`. */
  const directTargets = new WeakMap<object, DirectTarget>();
  // Keep-alive pings spread evenly over the period (see `KeepAlive`); graphql-ws's own, which
  // pings sockets that connected together all together, is turned off below.
  const periodMs = keepAlivePeriodMs();
  const keepAlive = periodMs > 0 ? new KeepAlive(periodMs) : null;
  // A socket whose session ends is closed (session-watch.ts).
  const sessions = new EndedSessionWatch((sessionId) => sessionRevocations().isRevoked(sessionId));
  if (keepAlive) wsServer.on('connection', (socket) => keepAlive.track(socket));

  const graphqlWs = useServer<Record<string, unknown>, SocketState>(
    {
      onConnect: async (ctx) => {
        try {
          const { request } = ctx.extra;
          ctx.extra.clientIp = clientIp(request, proxies);
          ctx.extra.userAgent = request.headers['user-agent'];
          ctx.extra.stream = request.socket;
          // What the connection needs of the upgrade request is kept above; letting go of the
          // request itself saves its headers and buffers on every idle socket.
          (ctx.extra as { request?: unknown }).request = undefined;
          const credentials = socketCredentials(ctx.connectionParams ?? {}, ctx.extra.clientIp);
          const { authorization, viewer } = await authenticate(credentials);
          ctx.extra.viewer = viewer;
          ctx.extra.authorization = authorization;
          const { apiKey } = credentials;
          ctx.extra.apiKey = apiKey;
          const userId = ctx.extra.viewer?.userId;
          if (userId) {
            if (!socketsByUser.take(userId, limits.maxSocketsPerUser)) {
              ctx.extra.socket.close(TOO_MANY, 'Too many connections for this user');
              return false;
            }
            ctx.extra.countedUser = userId;
          }
          const sessionId = ctx.extra.viewer?.sessionId;
          if (sessionId) ctx.extra.stopSessionWatch = sessions.watch(sessionId, ctx.extra.socket);
          if (apiKey) {
            // Close with 4403 once the key is revoked or expires, ending its subscriptions too.
            ctx.extra.stopKeyWatch = apiKeys.watch(apiKey, ctx.extra.clientIp, (reason) =>
              ctx.extra.socket.close(4403, reason.slice(0, 120)),
            );
          }
          return true;
        } catch (error) {
          logger.info({ reason: (error as Error).message }, 'websocket connection refused: bad credentials');
          return false; // closes with 4403 Forbidden
        }
      },
      onClose: (ctx) => {
        ctx.extra.stopKeyWatch?.();
        ctx.extra.stopSessionWatch?.();
        if (ctx.extra.countedUser) socketsByUser.release(ctx.extra.countedUser);
        ctx.extra.countedUser = undefined;
      },
      onSubscribe: async (ctx, id, payload) => {
        // graphql-ws has registered this operation already when it asks, hence "more than".
        if (limits.maxOperationsPerSocket > 0 && Object.keys(ctx.subscriptions).length > limits.maxOperationsPerSocket) {
          return [
            new GraphQLError(`At most ${limits.maxOperationsPerSocket} operations at once on one connection`, {
              extensions: { code: ErrorCode.RATE_LIMITED, limit: 'operationsPerSocket', max: limits.maxOperationsPerSocket },
            }),
          ];
        }
        const refused = gate.check(payload.query, payload.operationName, payload.variables);
        if (refused) {
          const { message, extensions } = clientError(refused);
          return [new GraphQLError(message, { extensions })];
        }
        if (ctx.extra.apiKey) {
          // Exchanged tokens are short-lived: each operation on a long connection gets a fresh one
          // (from the cache), which also ends a revoked key's new operations.
          try {
            const caller = await authenticate({ authorization: undefined, apiKey: ctx.extra.apiKey, clientIp: ctx.extra.clientIp });
            ctx.extra.authorization = caller.authorization;
            ctx.extra.viewer = caller.viewer;
          } catch (error) {
            return [error instanceof GraphQLError ? error : new GraphQLError('The API key could not be checked')];
          }
        }
        const prepared = documents.get(payload.query);
        if ('errors' in prepared) return prepared.errors;
        const { document } = prepared;
        const operation = getOperationAST(document, payload.operationName ?? undefined);
        if (!operation) {
          return [new GraphQLError('Name the operation to run', { extensions: { code: ErrorCode.BAD_USER_INPUT } })];
        }
        if (limiter && operation.operation === 'subscription') {
          const limited = await limiter.admit(
            { viewer: ctx.extra.viewer, clientIp: ctx.extra.clientIp },
            operation,
            gate.costOf(document, operation, payload.variables ?? undefined),
          );
          if (limited) {
            const { message, extensions } = clientError(limited);
            return [new GraphQLError(message, { extensions })];
          }
        }
        const contextValue: GatewayContext = {
          receivedAt: performance.now(),
          reqId: requestIdFrom(undefined),
          authorization: ctx.extra.authorization,
          viewer: ctx.extra.viewer ?? null,
          clientIp: ctx.extra.clientIp,
          userAgent: ctx.extra.userAgent,
        };
        const writer = (ctx.extra.writer ??= new SocketWriter(
          ctx.extra.socket,
          ctx.extra.stream as Duplex,
          (operationId) => operationId in ctx.subscriptions,
        ));
        directTargets.set(contextValue, { id, writer });
        const args: ExecutionArgs = {
          schema: apiSchema,
          document,
          operationName: payload.operationName ?? undefined,
          variableValues: payload.variables ?? {},
          contextValue,
        };
        return args;
      },
      subscribe: (args) => {
        const context = args.contextValue as GatewayContext;
        logger.info({ reqId: context.reqId, op: 'subscription', operationName: args.operationName }, 'request');
        const name = getOperationAST(args.document, args.operationName)?.name?.value ?? null;
        operations?.record({ name, type: 'subscription', reqId: context.reqId });
        const target = directTargets.get(context) as DirectTarget;
        directTargets.delete(context); // graphql-ws keeps the context for the subscription's life; the entry is not needed again
        return hub.subscribe(
          {
            document: args.document,
            operationText: documents.textOf(args.document),
            operationName: args.operationName ?? undefined,
            shape: documents.shapeOf(args.document, args.operationName ?? undefined),
            variables: (args.variableValues ?? {}) as Record<string, unknown>,
            context,
          },
          target,
        );
      },
      execute: (args) => {
        // Over a WebSocket no HTTP request carries the operation: with tracing on, it gets a trace of its own.
        const tracing = requestTracing();
        if (!tracing) return execute(args);
        const type = getOperationAST(args.document, args.operationName)?.operation ?? 'operation';
        return tracing.inSpan(`${type} over WebSocket`, { 'graphql.operation.type': type }, () => execute(args));
      },
      // Operations refused before they ran (onSubscribe's errors): counted as Apollo Server counts its own.
      onError: (_ctx, _id, _payload, errors) => {
        operations?.record({ name: undefined, type: 'unknown', errors });
      },
    },
    wsServer,
    0,
  );
  /** A query or mutation over the WebSocket, through Apollo Server's pipeline (whose plugin records its figures). */
  async function execute(args: ExecutionArgs) {
    const response = await apollo.executeOperation(
      {
        query: documents.textOf(args.document),
        operationName: args.operationName ?? undefined,
        variables: (args.variableValues ?? {}) as Record<string, unknown>,
      },
      { contextValue: args.contextValue as GatewayContext },
    );
    if (response.body.kind !== 'single') return { errors: [new GraphQLError('Incremental delivery is not supported over WebSocket')] };
    const { errors, ...result } = response.body.singleResult;
    // Apollo Server's errors are already formatted (plain objects); graphql-ws calls toJSON on
    // each, and without one it failed and closed the socket with 4500 on any error.
    return (errors ? { ...result, errors: errors.map((error) => ({ ...error, toJSON: () => error })) } : result) as never;
  }
  return {
    dispose: async () => {
      keepAlive?.stop();
      sessions.stop();
      await graphqlWs.dispose();
    },
  };
}
