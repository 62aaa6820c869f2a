import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { OperationContext } from '@apollo/gateway/dist/operationContext';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { FetchNode } from '@apollo/query-planner';
import { GraphQLError, Kind, getArgumentValues, getOperationAST, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import { ErrorCode, INTERNAL_ERROR_MESSAGE, type Logger, type SubgraphName } from '@tradegraph/shared';
import type { GatewayContext } from '../context';
import { DirectListener, EventFrames, nextPayloadJson, type SocketWriter } from './direct';
import type { SubscriptionPlan, SubscriptionPlanner } from './planner';
import type { UpstreamConnections } from './upstream';

export interface SubscriptionRequest {
  document: DocumentNode;
  /** The operation printed from the parsed document: the same text for the same operation. */
  operationText: string;
  operationName?: string;
  /** The shape of its results (OperationDocuments.shapeOf): equal for operations that differ only in name or spacing. */
  shape: string;
  variables: Record<string, unknown>;
  context: GatewayContext;
}

/** The graphql-ws operation a subscription's events are written to, on the client's socket. */
export interface DirectTarget {
  /** The operation's id on the socket. */
  id: string;
  writer: SocketWriter;
}

/** What the hub hands each event of a subscription to, whatever the transport. */
export interface HubListener {
  /** An event, as frames shared by every listener of the feed. */
  send(frames: EventFrames): void;
  /** The feed ended (upstream complete or error): end once what was sent before has gone out. */
  end(): void;
}

/**
 * A subscription served over an HTTP stream (graphql-sse, multipart: subscriptions/http-streams.ts):
 * makes the listener, which is also the iterator its transport reads; `onClose` is called once the
 * client has gone or stopped the subscription.
 */
export interface StreamTarget {
  attach(onClose: (listener: HubListener) => void): HubListener & AsyncIterableIterator<unknown>;
}

type Result = ExecutionResult<Record<string, unknown>, Record<string, unknown>>;

/** Answers the primary fetch of one event with the payload the subgraph streamed. */
class EventPayloadDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(
    private readonly primaryOperation: string,
    private readonly payload: Result,
    private readonly subgraph: GraphQLDataSource<GatewayContext>,
  ) {}
  process(options: Parameters<GraphQLDataSource<GatewayContext>['process']>[0]) {
    if (options.request.query === this.primaryOperation) {
      return Promise.resolve({ data: this.payload.data, errors: this.payload.errors as never });
    }
    // The rest of the plan may fetch entity fields from the same subgraph over HTTP.
    return this.subgraph.process(options);
  }
}

function gatewayError(message: string, code: string): Result {
  return { errors: [new GraphQLError(message, { extensions: { code } })] };
}

/**
 * Errors that crossed a socket are plain objects; graphql-ws serializes GraphQLError instances,
 * so they are rebuilt here with their message, path and extensions (the code) intact. An error
 * without a code of ours (a subgraph's internal error over graphql-ws, which no formatError
 * masks there) is logged with an id and passed on as "Internal error" with that id only.
 */
function asGraphQLErrors(errors: readonly unknown[], logger: Logger): GraphQLError[] {
  return errors.map((error) => {
    const { message, path, extensions } = error as { message?: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> };
    const code = extensions?.code;
    if ((code === undefined || code === ErrorCode.INTERNAL) && typeof extensions?.errorId !== 'string') {
      const errorId = randomUUID();
      logger.error({ err: error, errorId }, 'subscription error');
      return new GraphQLError(`${INTERNAL_ERROR_MESSAGE} (id ${errorId})`, { path, extensions: { code: ErrorCode.INTERNAL, errorId } });
    }
    if (error instanceof GraphQLError) return error;
    return new GraphQLError(message ?? 'Unknown error', { path, extensions });
  });
}

/** What a failed upstream becomes for the client: a GraphQL error, never a silent stall (nor the upstream's address). */
function upstreamErrorResult(error: unknown, subgraph: string, logger: Logger): Result {
  if (Array.isArray(error)) return { errors: asGraphQLErrors(error, logger) };
  if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'number') {
    const { code, reason } = error as { code: number; reason?: string };
    if (code === 4403) return gatewayError(`The ${subgraph} service refused the credentials`, ErrorCode.UNAUTHENTICATED);
    return gatewayError(`The ${subgraph} service closed the subscription (${code}${reason ? `: ${reason}` : ''})`, 'UPSTREAM_CLOSED');
  }
  const errorId = randomUUID();
  logger.error({ err: error, errorId, subgraph }, 'upstream subscription failed');
  return { errors: [new GraphQLError(`The ${subgraph} service failed (id ${errorId})`, { extensions: { code: 'UPSTREAM_ERROR', errorId } })] };
}

/**
 * One upstream subscription shared by every client that asked for the same operation, with
 * the same variables and the same credentials. Events are resolved once (in arrival order) and
 * fanned out; the upstream is closed when the last client leaves.
 *
 * Each event's `next` payload is serialized once, and its frame built once per operation id
 * (`EventFrames`), then written to every listening socket (`DirectListener`), instead of each
 * copy going through graphql-ws's iterator step, message object, `JSON.stringify` and `ws.send`.
 */
class SharedSubscription {
  private readonly listeners = new Set<HubListener>();
  private readonly operationContext: OperationContext;
  private stopUpstream: (() => void) | null = null;
  private queue: Promise<void> = Promise.resolve();
  private eventSequence = 0;
  private finished = false;
  /** The last event, for a current-value feed (see CURRENT_VALUE_FEEDS): what a client joining late is sent first. */
  private latest: EventFrames | null = null;

  constructor(
    private readonly key: string,
    private readonly request: SubscriptionRequest,
    private readonly plan: SubscriptionPlan,
    private readonly hub: SubscriptionHub,
    private readonly replaysLatest = false,
  ) {
    this.operationContext = buildOperationContext({
      schema: hub.apiGraphQLSchema,
      operationDocument: request.document,
      operationName: request.operationName,
    });
  }

  get subgraph(): SubgraphName {
    return this.plan.primary.serviceName as SubgraphName;
  }

  start(): void {
    const { primary } = this.plan;
    const variables = Object.fromEntries(
      (primary.variableUsages ?? []).filter((name) => name in this.request.variables).map((name) => [name, this.request.variables[name]]),
    );
    this.stopUpstream = this.hub.upstreams.subscribe(
      this.subgraph,
      this.request.context.authorization,
      { query: primary.operation, variables, extensions: { reqId: this.request.context.reqId } },
      {
        next: (payload) => this.enqueue(payload as Result),
        error: (error) => this.finish(upstreamErrorResult(error, this.subgraph, this.hub.logger)),
        complete: () => this.finish(),
      },
    );
  }

  addListener(target: DirectTarget | StreamTarget): HubListener & AsyncIterableIterator<unknown> {
    const onClose = (l: HubListener) => this.removeListener(l);
    const listener = 'attach' in target ? target.attach(onClose) : new DirectListener(target.id, target.writer, onClose);
    this.listeners.add(listener);
    // The subgraph sent the current value when the upstream opened; a client that joins later
    // gets the latest event instead, before any later one.
    if (this.latest) listener.send(this.latest);
    return listener;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  private removeListener(listener: HubListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) this.finish();
  }

  /** One serialization per event and one frame per operation id, whatever the number of listeners. */
  private broadcast(result: Result): EventFrames | null {
    if (this.listeners.size === 0) return null;
    const frames = new EventFrames(nextPayloadJson(result), result);
    for (const listener of this.listeners) listener.send(frames);
    return frames;
  }

  /** Events resolve one after another so clients see them in the order the subgraph sent them. */
  private enqueue(payload: Result): void {
    this.queue = this.queue.then(async () => {
      if (this.finished) return;
      const result = await this.resolve(payload);
      const frames = this.broadcast(result);
      if (this.replaysLatest && frames && result.data && !result.errors) this.latest = frames;
    });
  }

  private async resolve(payload: Result): Promise<Result> {
    if (!payload.data) return { data: null, errors: asGraphQLErrors(payload.errors ?? [], this.hub.logger) };
    const primaryService = this.plan.primary.serviceName;
    const serviceMap: ServiceMap = {
      ...this.hub.serviceMap,
      [primaryService]: new EventPayloadDataSource(this.plan.primary.operation, payload, this.hub.serviceMap[primaryService]),
    };
    this.eventSequence += 1;
    const context: GatewayContext = { ...this.request.context, reqId: `${this.request.context.reqId}:${this.eventSequence}` };
    const requestContext = {
      request: { query: this.request.operationText, variables: this.request.variables, operationName: this.request.operationName },
      context,
      logger: this.hub.logger,
      metrics: {},
      cache: undefined,
      overallCachePolicy: undefined,
    } as unknown as GatewayGraphQLRequestContext<GatewayContext>;
    try {
      const result = await executeQueryPlan(
        this.plan.perEvent,
        serviceMap,
        requestContext,
        this.operationContext,
        this.hub.planner.supergraphSchema,
        this.hub.planner.apiSchema,
      );
      return { data: result.data ?? null, ...(result.errors ? { errors: asGraphQLErrors(result.errors, this.hub.logger) } : {}) } as Result;
    } catch (error) {
      this.hub.logger.error({ err: error, reqId: context.reqId }, 'subscription event failed to resolve');
      return gatewayError('An event could not be resolved', ErrorCode.INTERNAL);
    }
  }

  /** Ends the subscription for everyone: after an upstream error/complete, or when nobody listens. */
  private finish(lastResult?: Result): void {
    if (this.finished) return;
    this.finished = true;
    this.hub.forget(this.key, this);
    this.stopUpstream?.();
    this.stopUpstream = null;
    // Let events already being resolved reach clients before the error/complete.
    void this.queue.then(() => {
      if (lastResult) this.broadcast(lastResult);
      for (const listener of this.listeners) listener.end();
      this.listeners.clear();
    });
  }
}

/**
 * Market data feeds whose every event is the same for every caller and which the subgraphs serve
 * without credentials: prices and trades of a market. A client joining such a feed late gets the
 * events from then on, as it would from its own upstream. Not `orderBookUpdated`: it starts each
 * subscription with a snapshot, which a client joining a running upstream would miss. (User
 * feeds — myOrderUpdates and the like — always run with the caller's own credentials.)
 */
export const PUBLIC_FEEDS: ReadonlySet<string> = new Set(['priceUpdated', 'tradesExecuted']);

/**
 * Feeds each of whose events is a current value (a market's price), which the subgraph starts
 * with the current value unless the subscription says `initial: false`. A client joining a shared
 * upstream of one market late is sent its latest event first. A subscription of several markets
 * gets an upstream of its own: the gateway cannot tell which market an event is of (the client
 * may not ask for it), so it could not replay each market's latest.
 */
export const CURRENT_VALUE_FEEDS: ReadonlySet<string> = new Set(['priceUpdated', 'tickerUpdated']);

/**
 * Feeds that start with several current values (each balance a user holds): a client joining a
 * running upstream would get none of them, so each subscription that asks for them (the default;
 * not `initial: false`) has an upstream of its own.
 */
export const CURRENT_VALUES_FEEDS: ReadonlySet<string> = new Set(['myBalanceUpdates']);
const PUBLIC_KEY = '(public)';

export class SubscriptionHub {
  private readonly shared = new Map<string, SharedSubscription>();
  readonly apiGraphQLSchema: GraphQLSchema;

  constructor(
    readonly planner: SubscriptionPlanner,
    readonly upstreams: UpstreamConnections,
    readonly serviceMap: ServiceMap,
    readonly logger: Logger,
    apiGraphQLSchema: GraphQLSchema,
    /** Subscription root fields whose events are the same for every caller (market data). */
    private readonly publicFeeds: ReadonlySet<string> = PUBLIC_FEEDS,
  ) {
    this.apiGraphQLSchema = apiGraphQLSchema;
  }

  /**
   * Subscribes a client; a second client with the same key joins the running upstream.
   *
   * The key is the shape of the results (so clients whose operations differ only in their name or
   * spacing share), the variables and the caller's credentials, except for public feeds (see
   * `isPublic`): those are the same for every caller, so all their clients share one upstream
   * opened without credentials (200 clients of one market's prices cost one upstream
   * subscription, not 200).
   *
   * Over graphql-ws the events are written to the client's socket by the hub (a `DirectTarget`);
   * the iterator returned to graphql-ws yields nothing and only marks the subscription's end. Over
   * an HTTP stream (a `StreamTarget`) the returned iterator is what the transport reads.
   */
  subscribe(request: SubscriptionRequest, target: DirectTarget): AsyncIterableIterator<Result> | Result;
  subscribe(request: SubscriptionRequest, target: StreamTarget): AsyncIterableIterator<unknown> | Result;
  subscribe(request: SubscriptionRequest, target: DirectTarget | StreamTarget): AsyncIterableIterator<unknown> | Result {
    let plan: SubscriptionPlan;
    try {
      plan = this.planner.plan(
        JSON.stringify([request.operationText, request.operationName ?? null]),
        request.document,
        request.operationName,
      );
    } catch (error) {
      return gatewayError(`The subscription could not be planned: ${(error as Error).message}`, ErrorCode.BAD_USER_INPUT);
    }
    const shared = this.isPublic(request, plan);
    const current = this.currentValue(request);
    const key = JSON.stringify([
      request.shape,
      request.variables,
      shared ? PUBLIC_KEY : (request.context.authorization ?? null),
      // Several markets' current values: an upstream of its own, which starts with all of them.
      ...(current === 'own' ? [randomUUID()] : []),
    ]);
    let subscription = this.shared.get(key);
    if (!subscription) {
      // A public feed's upstream runs as nobody in particular; the first client's request id
      // stays in the logs.
      const upstreamRequest = shared ? { ...request, context: { reqId: request.context.reqId, viewer: null } } : request;
      subscription = new SharedSubscription(key, upstreamRequest, plan, this, current === 'latest');
      this.shared.set(key, subscription);
      const listener = subscription.addListener(target);
      subscription.start();
      this.logger.info({ reqId: request.context.reqId, subgraph: subscription.subgraph, shared }, 'upstream subscription opened');
      return listener;
    }
    return subscription.addListener(target);
  }

  /**
   * A public feed: every root field is one of `publicFeeds` and each event is answered entirely
   * by the subgraph that streams it (no further fetch, which might depend on who is asking).
   */
  private isPublic(request: SubscriptionRequest, plan: SubscriptionPlan): boolean {
    const node = plan.perEvent.node;
    if (!node || node.kind !== 'Sequence' || node.nodes.length !== 1) return false;
    const operation = getOperationAST(request.document, request.operationName);
    if (!operation) return false;
    return operation.selectionSet.selections.every(
      (selection) => selection.kind === Kind.FIELD && this.publicFeeds.has(selection.name.value),
    );
  }

  /**
   * For a current-value feed that starts with the current value: `latest` when it follows one
   * market (a late joiner is sent the latest event), `own` when it follows several; else null.
   */
  private currentValue(request: SubscriptionRequest): 'latest' | 'own' | null {
    const operation = getOperationAST(request.document, request.operationName);
    const [selection] = operation?.selectionSet.selections ?? [];
    if (selection?.kind !== Kind.FIELD) return null;
    const several = CURRENT_VALUES_FEEDS.has(selection.name.value);
    if (!several && !CURRENT_VALUE_FEEDS.has(selection.name.value)) return null;
    const field = this.apiGraphQLSchema.getSubscriptionType()?.getFields()[selection.name.value];
    if (!field) return null;
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(field, selection, request.variables);
    } catch {
      return null; // the subgraph refuses it
    }
    if (args.initial === false) return null;
    if (several) return 'own';
    const markets = new Set([...(typeof args.market === 'string' ? [args.market] : []), ...(Array.isArray(args.markets) ? args.markets : [])]);
    return markets.size > 1 ? 'own' : 'latest';
  }

  forget(key: string, subscription: SharedSubscription): void {
    if (this.shared.get(key) === subscription) {
      this.shared.delete(key);
      this.logger.info({ subgraph: subscription.subgraph }, 'upstream subscription closed');
    }
  }

  /** Open upstream subscriptions and the clients listening to them (exported as metrics). */
  stats(): { upstreamSubscriptions: number; listeners: number; upstreamConnections: number } {
    let listeners = 0;
    for (const s of this.shared.values()) listeners += s.listenerCount;
    return { upstreamSubscriptions: this.shared.size, listeners, upstreamConnections: this.upstreams.openConnections };
  }
}

export type { FetchNode };
