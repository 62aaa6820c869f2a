import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  GraphQLError,
  getOperationAST,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { createHandler, TOKEN_HEADER_KEY, TOKEN_QUERY_KEY, type OperationArgs, type Response as SseResponse } from 'graphql-sse';
import type { BlockList } from 'node:net';
import { ErrorCode, REQUEST_ID_HEADER, clientIp, sessionRevocations, type Logger } from '@tradegraph/shared';
import type { GatewayContext } from '../context';
import { apiKeyOf } from '../auth/authenticate';
import { unauthenticated, type ApiKeyExchange } from '../auth/api-keys';
import type { OperationDocuments } from '../cache/documents';
import { CSRF_MESSAGE, isCsrfSuspect } from '../edge/csrf';
import { clientError, statusOf, type QueryGate } from '../limits/query-gate';
import type { RequestRateLimiter } from '../limits/rate-limits';
import type { OperationMetrics } from '../ops/operation-metrics';
import type { EventFrames } from './direct';
import type { HubListener, StreamTarget, SubscriptionHub } from './hub';
import { EndedSessionWatch } from './session-watch';
import { StreamListener, type StreamEncoding } from './stream-listener';

/**
 * Subscriptions over HTTP on `/graphql`, beside graphql-ws, through the same hub (hub.ts): the
 * upstream shared, each event resolved once, the caller authenticated from the request's headers
 * as every HTTP request is, its session and API key watched as a socket's are, a client too far
 * behind cut off. Two transports:
 *
 * - **graphql-sse** (The Guild's protocol, served by the `graphql-sse` package): Server-Sent
 *   Events, either one stream per operation ("distinct connections": `Accept: text/event-stream`)
 *   or one stream per client that operations are added to and removed from ("single connection":
 *   `PUT` reserves a stream token, `GET` with the token opens the stream, `POST`/`DELETE` with the
 *   token start and stop operations). Queries and mutations run over it too.
 * - **multipart HTTP** (`Accept: multipart/mixed;subscriptionSpec="1.0"`, Apollo Router's protocol
 *   that Apollo Client speaks): each event one JSON part `{"payload": …}`, `{}` heartbeats every
 *   5 s, the final boundary when the subscription ends; an error that ends it from the gateway's
 *   side (slow client, ended session) is `{"payload": null, "errors": […]}`.
 *
 * Neither stream is ever compressed (edge/compression.ts), so no event waits in a compressor.
 */
export interface HttpStreamOptions {
  apiSchema: GraphQLSchema;
  documents: OperationDocuments;
  /** Admits each operation (input, size and cost limits), as on the other transports. */
  gate: QueryGate;
  limiter: RequestRateLimiter | null;
  hub: SubscriptionHub;
  apollo: ApolloServer<GatewayContext>;
  /** The context of an HTTP request (edge/http-context.ts): the caller authenticated from its headers. */
  contextOf: (req: IncomingMessage) => Promise<GatewayContext>;
  apiKeys: ApiKeyExchange;
  /** Hops whose X-Forwarded-For is believed (TRUSTED_PROXIES): reservations are counted per client address. */
  proxies: BlockList;
  logger: Logger;
  operations?: OperationMetrics;
}

/** Apollo Router's default: often enough for proxies and mobile networks not to drop an idle stream. */
const MULTIPART_HEARTBEAT_MS = 5_000;
const MULTIPART_CONTENT_TYPE = 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"';
const BOUNDARY = '\r\n--graphql';
const PART_HEAD = '\r\ncontent-type: application/json\r\n\r\n';
const HEARTBEAT_PART = Buffer.from(`${PART_HEAD}{}${BOUNDARY}`);
const JSON_TYPE = 'application/json; charset=utf-8';

type Result = ExecutionResult<Record<string, unknown>, Record<string, unknown>>;
/** graphql-sse's operation context is an open record. */
type SseContext = GatewayContext & Record<PropertyKey, unknown>;

/** What a refused operation is answered with, before any stream starts. */
interface Refusal {
  status: number;
  headers: [string, string][];
  errors: ReturnType<typeof clientError>[];
}

interface Admitted {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  context: GatewayContext;
}

function refusalOf(error: GraphQLError): Refusal {
  const head = error.extensions.http as { headers?: Map<string, string> } | undefined;
  return { status: statusOf(error), headers: head?.headers ? [...head.headers] : [], errors: [clientError(error)] };
}

function refusalJson(refusal: Refusal): string {
  return `${JSON.stringify({ errors: refusal.errors })}\n`;
}

function writeRefusal(res: ServerResponse, refusal: Refusal): void {
  const body = refusalJson(refusal);
  res.writeHead(refusal.status, [
    ...refusal.headers.flat(),
    'content-type',
    JSON_TYPE,
    'cache-control',
    'no-store',
    'content-length',
    String(Buffer.byteLength(body)),
  ]);
  res.end(body);
}

const csrfRefusal = (): Refusal =>
  refusalOf(new GraphQLError(CSRF_MESSAGE, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } }));

/** graphql-sse: each event as the result object; the package writes the SSE message around it. */
const SSE_ENCODING: StreamEncoding<Result> = {
  event: (frames) => frames.result as Result,
  terminal: (error) => ({ errors: [error] }),
};

/** Multipart parts are the same bytes for every client of a feed (no operation id): made once per event. */
const multipartParts = new WeakMap<EventFrames, Buffer>();
const MULTIPART_ENCODING: StreamEncoding<Buffer> = {
  event: (frames) => {
    let part = multipartParts.get(frames);
    if (!part) multipartParts.set(frames, (part = Buffer.from(`${PART_HEAD}{"payload":${frames.payload}}${BOUNDARY}`)));
    return part;
  },
  terminal: (error) => Buffer.from(`${PART_HEAD}${JSON.stringify({ payload: null, errors: [clientError(error)] })}${BOUNDARY}`),
};

/** Whether a request is for one of these transports: only header and method checks, made only on requests the pipeline gets. */
function transportOf(req: IncomingMessage): 'sse' | 'multipart' | null {
  const { accept } = req.headers;
  // graphql-sse: its event streams, and the single-connection mode's reservations, operations and stops.
  // (A reservation is a PUT without a body: a PUT with one is not this protocol, and gets the pipeline's answer.)
  const reservation = req.method === 'PUT' && !hasBody(req);
  if (accept === 'text/event-stream' || reservation || req.method === 'DELETE' || req.headers[TOKEN_HEADER_KEY] !== undefined) return 'sse';
  if (req.method === 'POST' && accept !== undefined && accept.includes('subscriptionSpec')) return 'multipart';
  return null;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * graphql-sse keeps a reserved stream (single-connection mode's PUT) until a client opens it, with
 * no expiry of its own: reservations not opened within this time are released, and a client
 * address may hold only so many unopened at once, so reservations cannot pile up.
 */
const RESERVATION_TTL_MS = 30_000;
const MAX_RESERVATIONS_PER_IP = 20;
const MAX_RESERVATIONS = 10_000;

/** graphql-sse's own refusals (no stream, one already open, …) carry no code: they get the one their status means. */
const CODE_FOR_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'BAD_REQUEST',
  406: 'BAD_REQUEST',
  409: 'CONFLICT',
};

/**
 * A refusal of graphql-sse's own (no such stream, one already open, a wrong method): its errors
 * carry no code, so they get the one their status means, in the JSON every refusal is.
 */
function writeSseRefusal(
  res: ServerResponse,
  init: { status: number; statusText: string; headers?: Record<string, string> },
  body: string | null,
): void {
  const fallback = STATUS_CODES[init.status] ?? 'Refused';
  let errors: { message?: string; extensions?: Record<string, unknown> }[] = [{ message: body || fallback }];
  try {
    if (body) errors = (JSON.parse(body) as { errors?: typeof errors }).errors ?? errors;
  } catch {
    // Not JSON: its text is the message.
  }
  const code = CODE_FOR_STATUS[init.status] ?? 'BAD_REQUEST';
  const text = `${JSON.stringify({ errors: errors.map((error) => ({ ...error, extensions: { code, ...error.extensions } })) })}\n`;
  res.writeHead(init.status, init.statusText, {
    ...init.headers,
    'content-type': JSON_TYPE,
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function serveHttpSubscriptions(options: HttpStreamOptions): { handler: RequestHandler; dispose(): void } {
  const { apiSchema, documents, gate, limiter, hub, apollo, contextOf, apiKeys, proxies, logger, operations } = options;
  // A stream whose session ends is ended (with UNAUTHENTICATED), as a WebSocket is closed.
  const sessions = new EndedSessionWatch((sessionId) => sessionRevocations().isRevoked(sessionId));
  /** Open multipart responses, for the heartbeat. */
  const multipartStreams = new Set<ServerResponse>();
  const heartbeat = setInterval(() => {
    // Not onto a client that is already behind: its backlog only grows.
    for (const res of multipartStreams) if (res.writableLength === 0) res.write(HEARTBEAT_PART);
  }, MULTIPART_HEARTBEAT_MS);
  heartbeat.unref();
  /** graphql-sse's single-connection streams by token: where that client's events are written. */
  const eventStreams = new Map<string, ServerResponse>();
  /** What `subscribe` needs of the request an operation came in (graphql-sse calls it with the execution arguments only). */
  const backlogs = new WeakMap<GatewayContext, () => number>();

  /** The operation's checks, in the order the other transports make them; the refusal when one fails. */
  async function admit(
    req: IncomingMessage,
    params: { query?: unknown; operationName?: unknown; variables?: unknown },
  ): Promise<Admitted | Refusal> {
    const { query, operationName, variables } = params;
    const refused = gate.check(query, operationName, variables);
    if (refused) return refusalOf(refused);
    if (typeof query !== 'string')
      return refusalOf(new GraphQLError('Send the operation in `query`', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } }));
    const prepared = documents.get(query);
    if ('errors' in prepared) return { status: 400, headers: [], errors: prepared.errors.map((error) => clientError(error)) };
    const name = typeof operationName === 'string' ? operationName : undefined;
    // The gate refused documents without the operation named.
    const operation = getOperationAST(prepared.document, name) as OperationDefinitionNode;
    let context: GatewayContext;
    try {
      context = await contextOf(req);
    } catch (error) {
      return refusalOf(error instanceof GraphQLError ? error : unauthenticated('The credentials could not be checked'));
    }
    const values = (variables ?? {}) as Record<string, unknown>;
    if (limiter && operation.operation === 'subscription') {
      const limited = await limiter.admit(context, operation, gate.costOf(prepared.document, operation, values));
      if (limited) return refusalOf(limited);
    }
    return { document: prepared.document, operation, operationName: name, variables: values, context };
  }

  /** Subscribes through the hub; the listener is watched for its session and API key as a socket is. */
  function subscribe<Item>(
    admitted: Omit<Admitted, 'operation'>,
    req: IncomingMessage | undefined,
    encoding: StreamEncoding<Item>,
    backlog: () => number,
  ) {
    const { document, operationName, variables, context } = admitted;
    logger.info({ reqId: context.reqId, op: 'subscription', operationName }, 'request');
    operations?.record({ name: getOperationAST(document, operationName)?.name?.value ?? null, type: 'subscription', reqId: context.reqId });
    const apiKey = req ? apiKeyOf(req.headers) : undefined;
    const target: StreamTarget = {
      attach: (onClose: (listener: HubListener) => void) => {
        const listener = new StreamListener(encoding, backlog, onClose);
        const stops: (() => void)[] = [];
        const sessionId = context.viewer?.sessionId;
        if (sessionId)
          stops.push(sessions.watch(sessionId, { close: () => listener.terminate(unauthenticated('This session has ended')) }));
        if (apiKey) stops.push(apiKeys.watch(apiKey, context.clientIp, (reason) => listener.terminate(unauthenticated(reason))));
        listener.onClosed(() => stops.forEach((stop) => stop()));
        return listener;
      },
    };
    return hub.subscribe(
      {
        document,
        operationText: documents.textOf(document),
        operationName,
        shape: documents.shapeOf(document, operationName),
        variables,
        context,
      },
      target,
    ) as StreamListener<Item> | Result;
  }

  // ---- graphql-sse ---------------------------------------------------------------------------

  /** Requests' raw messages, kept for `subscribe` (graphql-sse hands it the execution arguments only). */
  const requestsOf = new WeakMap<GatewayContext, IncomingMessage>();
  const sse = createHandler<IncomingMessage, { res: ServerResponse }, SseContext>({
    // Documents were validated against this schema when they were parsed (cache/documents.ts).
    validate: () => [],
    onSubscribe: async (req, params): Promise<SseResponse | OperationArgs<SseContext>> => {
      const admitted = await admit(req.raw, params);
      if ('errors' in admitted) {
        return [
          refusalJson(admitted),
          {
            status: admitted.status,
            statusText: STATUS_CODES[admitted.status] ?? '',
            headers: { ...Object.fromEntries(admitted.headers), 'content-type': JSON_TYPE },
          },
        ];
      }
      const { context } = admitted;
      requestsOf.set(context, req.raw);
      // Distinct connections write to this request's response; a single connection's operations to its stream's.
      const token = req.raw.headers[TOKEN_HEADER_KEY] ?? new URL(req.url, 'http://x').searchParams.get(TOKEN_QUERY_KEY);
      const res = req.context.res;
      backlogs.set(context, typeof token === 'string' ? () => eventStreams.get(token)?.writableLength ?? 0 : () => res.writableLength);
      const args: OperationArgs<SseContext> = {
        schema: apiSchema,
        document: admitted.document,
        operationName: admitted.operationName,
        variableValues: admitted.variables,
        contextValue: context as SseContext,
      };
      return args;
    },
    subscribe: (args) => {
      const context = args.contextValue as GatewayContext;
      const backlog = backlogs.get(context) ?? (() => 0);
      const req = requestsOf.get(context);
      return subscribe(
        {
          document: args.document,
          operationName: args.operationName ?? undefined,
          variables: (args.variableValues ?? {}) as Record<string, unknown>,
          context,
        },
        req,
        SSE_ENCODING,
        backlog,
      ) as AsyncIterableIterator<Result> | Result;
    },
    // Queries and mutations over graphql-sse go through Apollo Server's pipeline, as over WebSocket.
    execute: (args) => executeThroughPipeline(apollo, documents, args),
  });

  /** Unopened reservations: token → when and by which address. */
  const reservations = new Map<string, { at: number; ip: string }>();
  const reaper = setInterval(() => {
    const expired = Date.now() - RESERVATION_TTL_MS;
    for (const [token, reservation] of reservations) if (reservation.at < expired) void release(token);
  }, RESERVATION_TTL_MS / 3);
  reaper.unref();
  /** Opens a reserved stream and closes it at once, which is how graphql-sse lets go of one. */
  async function release(token: string): Promise<void> {
    reservations.delete(token);
    const [body] = await sse({
      method: 'GET',
      url: '/graphql',
      headers: { get: (key: string) => (key === TOKEN_HEADER_KEY ? token : key === 'accept' ? 'text/event-stream' : undefined) },
      body: null,
      raw: undefined as unknown as IncomingMessage,
      context: { res: undefined as unknown as ServerResponse },
    });
    if (body && typeof body !== 'string') await body.return?.(undefined);
  }

  async function serveSse(req: Request, res: Response): Promise<void> {
    let ip = '';
    if (req.method === 'PUT') {
      ip = clientIp(req, proxies) ?? 'unknown';
      let held = 0;
      for (const reservation of reservations.values()) if (reservation.ip === ip) held += 1;
      if (held >= MAX_RESERVATIONS_PER_IP || reservations.size >= MAX_RESERVATIONS) {
        const limited = new GraphQLError('Too many event streams reserved and not opened', {
          extensions: { code: ErrorCode.RATE_LIMITED, http: { status: 429 } },
        });
        return writeRefusal(res, refusalOf(limited));
      }
    }
    const [body, init] = await sse({
      method: req.method,
      url: req.originalUrl,
      headers: {
        get(key: string) {
          const value = req.headers[key];
          return Array.isArray(value) ? value.join('\n') : value;
        },
      },
      // Read already (by the fast path or express.json).
      body: req.method === 'POST' ? ((req.body as Record<string, unknown> | undefined) ?? '') : null,
      raw: req,
      context: { res },
    });
    if (req.method === 'PUT' && init.status === 201 && typeof body === 'string') reservations.set(body, { at: Date.now(), ip });
    if (init.status >= 400 && (!body || typeof body === 'string')) return writeSseRefusal(res, init, body);
    if (body && typeof body !== 'string' && res.destroyed) {
      // The client went away while the operation was being admitted: its 'close' has passed.
      await body.return?.(undefined);
      return;
    }
    res.writeHead(init.status, init.statusText, init.headers);
    if (!body || typeof body === 'string') return void res.end(body);
    const token = req.headers[TOKEN_HEADER_KEY];
    if (typeof token === 'string') {
      reservations.delete(token);
      eventStreams.set(token, res);
    }
    res.once('close', () => {
      if (typeof token === 'string' && eventStreams.get(token) === res) eventStreams.delete(token);
      void body.return?.(undefined);
    });
    // Written as messages come, not each after the last was flushed: what the client has not
    // taken yet stays in the response's buffer, where the listeners see it (StreamListener).
    for await (const message of body) {
      if (res.destroyed) break;
      res.write(message);
    }
    if (!res.destroyed) res.end();
  }

  // ---- multipart -----------------------------------------------------------------------------

  async function serveMultipart(req: Request, res: Response, next: NextFunction): Promise<void> {
    const params = (req.body ?? {}) as { query?: unknown; operationName?: unknown; variables?: unknown };
    // Only subscriptions: a query or mutation asking for multipart (Apollo Client's Accept also
    // lists JSON) is Apollo Server's to answer.
    const prepared = typeof params.query === 'string' ? documents.get(params.query) : null;
    const operation =
      prepared && !('errors' in prepared)
        ? getOperationAST(prepared.document, typeof params.operationName === 'string' ? params.operationName : undefined)
        : null;
    if (operation?.operation !== 'subscription') return next();
    const admitted = await admit(req, params);
    if ('errors' in admitted) return writeRefusal(res, admitted);
    res.writeHead(200, [REQUEST_ID_HEADER, admitted.context.reqId, 'content-type', MULTIPART_CONTENT_TYPE, 'cache-control', 'no-cache']);
    // The first heartbeat sends the head at once: the client knows the subscription is on.
    res.write(Buffer.concat([Buffer.from(BOUNDARY), HEARTBEAT_PART]));
    const result = subscribe(admitted, req, MULTIPART_ENCODING, () => res.writableLength);
    if (!(result instanceof StreamListener)) {
      res.end(`${PART_HEAD}${JSON.stringify({ payload: result })}${BOUNDARY}--\r\n`);
      return;
    }
    if (res.destroyed) {
      // The client went away while the operation was being admitted: its 'close' has passed.
      await result.return();
      return;
    }
    multipartStreams.add(res);
    res.once('close', () => {
      multipartStreams.delete(res);
      void result.return();
    });
    for await (const part of result) {
      if (res.destroyed) break;
      res.write(part);
    }
    multipartStreams.delete(res);
    if (!res.destroyed) res.end('--\r\n');
  }

  const handler: RequestHandler = (req, res, next) => {
    const transport = transportOf(req);
    if (transport === null) return next();
    // Before anything runs: the rule the pipeline applies (edge/csrf.ts).
    if (isCsrfSuspect(req.method, req.headers)) return writeRefusal(res, csrfRefusal());
    const served = transport === 'sse' ? serveSse(req, res) : serveMultipart(req, res, next);
    served.catch((error: unknown) => {
      logger.error({ err: error }, 'subscription stream failed');
      if (!res.headersSent)
        writeRefusal(
          res,
          refusalOf(new GraphQLError('Internal error', { extensions: { code: 'INTERNAL_SERVER_ERROR', http: { status: 500 } } })),
        );
      else res.destroy();
    });
  };

  return {
    handler,
    dispose() {
      clearInterval(heartbeat);
      clearInterval(reaper);
      sessions.stop();
      for (const res of multipartStreams) res.end('--\r\n');
      multipartStreams.clear();
    },
  };
}

/** A query or mutation through Apollo Server's pipeline (whose plugins count and rate-limit it), as over WebSocket. */
async function executeThroughPipeline(
  apollo: ApolloServer<GatewayContext>,
  documents: OperationDocuments,
  args: ExecutionArgs,
): Promise<ExecutionResult> {
  const response = await apollo.executeOperation(
    {
      query: documents.textOf(args.document),
      operationName: args.operationName ?? undefined,
      variables: (args.variableValues ?? {}) as Record<string, unknown>,
    },
    { contextValue: args.contextValue as GatewayContext },
  );
  if (response.body.kind !== 'single') return { errors: [new GraphQLError('Incremental delivery is not supported over graphql-sse')] };
  return response.body.singleResult as ExecutionResult;
}
