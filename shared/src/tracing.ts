import type * as OtelApi from '@opentelemetry/api';
import { config, type Config } from './config';

/**
 * OpenTelemetry tracing, on only when an OTLP endpoint is configured
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
 *
 * Off, nothing here loads a single OpenTelemetry module: `startTracing` returns at once and
 * `requestTracing()` is null, so the request paths pay one null check and nothing else (the
 * gateway's fast path and the engine's order path are benchmarked figures).
 *
 * On, every process exports its spans over OTLP/HTTP (`http/protobuf`, or `http/json` with
 * `OTEL_EXPORTER_OTLP_PROTOCOL`), and one operation makes one trace: the gateway's HTTP server
 * span, a client span per subgraph fetch, the subgraph's server span under it (W3C
 * `traceparent`), and its PostgreSQL queries and Redis commands under that. Instrumented: node's
 * http server and client, undici (the gateway's subgraph client), pg and ioredis. Spans are
 * only made inside a traced request: background work (timers, feeds, health checks) starts no
 * traces of its own.
 *
 * The instrumentations patch modules as they are loaded, so `startTracing` must run before
 * anything loads http, pg or ioredis: it is the first statement of every process entry point.
 */

/** What the request paths use while tracing is on (see `requestTracing`). Contexts are opaque here. */
export interface RequestTracing {
  /** Sets attributes on the span of the request being served (the active span), e.g. its request id. */
  annotate(attributes: OtelApi.Attributes): void;
  /** Marks the active span as failed, with `message` as its status. */
  fail(message: string): void;
  /** The active trace context, for work done later on this request's behalf; undefined outside a traced request. */
  capture(): unknown;
  /** Runs `fn` in a captured context. */
  runIn<T>(captured: unknown, fn: () => T): T;
  /** Runs `fn` with nothing traced: a batch of subgraph fetches carries many traces, none of them its own. */
  untraced<T>(fn: () => T): T;
  /**
   * Starts the client span of one fetch that travels inside a batch, under `captured`, and writes
   * its trace context into that request's own `headers`. `end` takes the answer's status or the error.
   */
  startBatchedFetch(captured: unknown, url: string, headers: Record<string, string>): { end(outcome: number | Error): void };
  /** Runs one request of a batch the subgraph received in a server span under the trace context of its own headers. */
  serveBatched<T>(headers: Record<string, string>, fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` in a new span of its own trace (a WebSocket operation, which no HTTP request carries). */
  inSpan<T>(name: string, attributes: OtelApi.Attributes, fn: () => Promise<T>): Promise<T>;
}

/** The attribute that carries the request id (`x-request-id`, `reqId` in the logs) on each process's request span. */
export const REQUEST_ID_ATTRIBUTE = 'tradegraph.request_id';

/** Incoming requests that never start a trace: probes and scrapes, and batches (each request in one has its own trace). */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics', '/graphql/batch']);
/**
 * Routes the processes call on each other, often from timers (the market listing, trade
 * catch-up, token key sets, the engine's state): traced only as part of a caller's trace, so
 * background polling makes no traces of its own.
 */
const INTERNAL_PREFIXES = ['/internal/', '/listing', '/.well-known/', '/engine/'];

/** Whether an incoming request starts no span (see UNTRACED_PATHS and INTERNAL_PREFIXES). */
function untracedIncoming(request: { url?: string; headers: Record<string, unknown> }): boolean {
  const path = (request.url ?? '').split('?')[0];
  if (UNTRACED_PATHS.has(path)) return true;
  return request.headers.traceparent === undefined && INTERNAL_PREFIXES.some((prefix) => path.startsWith(prefix));
}

let started = false;
let active: RequestTracing | null = null;
let shutdown: (() => Promise<void>) | null = null;

/** Whether an OTLP endpoint for traces is configured (and the SDK not disabled). */
export function tracingConfigured(settings: Config = config()): boolean {
  if ((settings.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true') return false;
  return Boolean(settings.OTEL_EXPORTER_OTLP_ENDPOINT || settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** The OTLP/HTTP encoding to export with: `http/protobuf` (the OpenTelemetry default) or `http/json`. */
export function otlpProtocol(settings: Config = config()): 'http/protobuf' | 'http/json' {
  const value = settings.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || settings.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  if (value === 'http/protobuf' || value === 'http/json') return value;
  throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${value} is not supported: use http/protobuf or http/json`);
}

/** The tracing hooks of the request paths while tracing is on; null when it is off. */
export function requestTracing(): RequestTracing | null {
  return active;
}

/**
 * Starts tracing for the process, named `service` (`OTEL_SERVICE_NAME` wins) when an OTLP
 * endpoint is configured; does nothing otherwise. The first call of a process counts: the
 * embedded system loads every subgraph's entry module, and its own call came first.
 */
export function startTracing(service: string): void {
  if (started) return;
  started = true;
  if (!tracingConfigured()) return;
  const protocol = otlpProtocol();
  // Loaded only now, so a process without tracing never loads the SDK.
  const api = require('@opentelemetry/api') as typeof OtelApi;
  const { W3CTraceContextPropagator, suppressTracing } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const { NodeTracerProvider, BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes, detectResources, envDetector } =
    require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } =
    require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  const { OTLPTraceExporter } = (
    protocol === 'http/json' ? require('@opentelemetry/exporter-trace-otlp-http') : require('@opentelemetry/exporter-trace-otlp-proto')
  ) as typeof import('@opentelemetry/exporter-trace-otlp-http');

  // The SDK's own troubles (an unreachable collector) go to the process's log, at most one line a minute.
  const { createLogger } = require('./logger') as typeof import('./logger');
  const logger = createLogger(`${service}-tracing`);
  let lastComplaint = 0;
  const complain = (message: string, ...args: unknown[]) => {
    if (Date.now() - lastComplaint < 60_000) return;
    lastComplaint = Date.now();
    logger.warn({ detail: args.map(String).join(' ').slice(0, 500) }, `tracing: ${message}`);
  };
  api.diag.setLogger({ error: complain, warn: complain, info: () => {}, debug: () => {}, verbose: () => {} }, api.DiagLogLevel.WARN);

  // OTLP endpoint, headers and timeout, the sampler (OTEL_TRACES_SAMPLER) and the batch processor
  // (OTEL_BSP_*) read their standard OTEL_* variables themselves.
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }).merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // W3C trace context only (no baggage): `traceparent` and `tracestate` cross process boundaries.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: untracedIncoming,
        // Outgoing node:http requests (token key sets, internal routes) only as part of a traced request.
        requireParentforOutgoingSpans: true,
      }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });

  const tracer = api.trace.getTracer('tradegraph');
  active = {
    annotate(attributes) {
      api.trace.getActiveSpan()?.setAttributes(attributes);
    },
    fail(message) {
      api.trace.getActiveSpan()?.setStatus({ code: api.SpanStatusCode.ERROR, message });
    },
    capture() {
      const current = api.context.active();
      return api.trace.getSpan(current)?.isRecording() ? current : undefined;
    },
    runIn: (captured, fn) => api.context.with(captured as OtelApi.Context, fn),
    untraced: (fn) => api.context.with(suppressTracing(api.ROOT_CONTEXT), fn),
    startBatchedFetch(captured, url, headers) {
      const parent = captured as OtelApi.Context;
      const span = tracer.startSpan(
        'POST',
        { kind: api.SpanKind.CLIENT, attributes: { 'url.full': url, 'http.request.method': 'POST', 'tradegraph.batched': true } },
        parent,
      );
      api.propagation.inject(api.trace.setSpan(parent, span), headers);
      return {
        end(outcome) {
          if (typeof outcome === 'number') {
            span.setAttribute('http.response.status_code', outcome);
            if (outcome >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
          } else {
            span.recordException(outcome);
            span.setStatus({ code: api.SpanStatusCode.ERROR, message: outcome.message });
          }
          span.end();
        },
      };
    },
    serveBatched(headers, fn) {
      // From the root: the batch itself is untraced (its incoming request is ignored above).
      const parent = api.propagation.extract(api.ROOT_CONTEXT, headers);
      return tracer.startActiveSpan(
        'POST /graphql',
        { kind: api.SpanKind.SERVER, attributes: { 'tradegraph.batched': true } },
        parent,
        (span) => fn().finally(() => span.end()),
      );
    },
    inSpan(name, attributes, fn) {
      return tracer.startActiveSpan(name, { kind: api.SpanKind.SERVER, attributes }, api.ROOT_CONTEXT, (span) =>
        fn().finally(() => span.end()),
      );
    },
  };
  shutdown = () => provider.shutdown();
  logger.info(
    { endpoint: config().OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || config().OTEL_EXPORTER_OTLP_ENDPOINT, protocol },
    'tracing on',
  );
}

/**
 * Sends the spans not yet exported and stops tracing (part of the orderly shutdown, see
 * shutdown.ts); gives up after `timeoutMs`, so an unreachable collector never holds a shutdown.
 * Nothing when tracing is off.
 */
export async function stopTracing(timeoutMs = 2000): Promise<void> {
  const stop = shutdown;
  if (!stop) return;
  shutdown = null;
  active = null;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([stop().catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
