import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST, parse } from 'graphql';
import { Counter, Histogram, type Registry } from 'prom-client';
import { REQUEST_ID_ATTRIBUTE, requestTracing, config, type Config } from '@tradegraph/shared';
import type { GatewayContext } from '../context';

/**
 * Per-operation figures of the gateway in its `/metrics`: how many operations of each name and
 * type it answered, how long they took, and which error codes they answered with. Every path
 * records here — the HTTP fast path (cache hits, lean queries, forwarded mutations, edge/fast-path.ts), the
 * Apollo Server pipeline (`plugin()`, which also serves WebSocket queries and mutations) and
 * WebSocket subscriptions — so the figures are the same whichever path a request took.
 *
 * Label values are bounded, since every distinct value is a series Prometheus keeps forever:
 * operation names are the document's own (never a client's free text), an operation without a
 * name is `(anonymous)`, one that never became an operation (unparsable, invalid, no such
 * operationName) is `(unknown)`, and once `METRICS_OPERATION_NAMES_MAX` names are known every
 * further name is `(other)`. Error codes are capped the same way (`OTHER`).
 */
export type OperationType = 'query' | 'mutation' | 'subscription' | 'unknown';

export const ANONYMOUS_OPERATION = '(anonymous)';
export const UNKNOWN_OPERATION = '(unknown)';
export const OTHER_OPERATION = '(other)';
const OTHER_CODE = 'OTHER';
const MAX_CODES = 50;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** What one answered operation reports. */
export interface OperationOutcome {
  /** The operation's name in its document; null when it has none, undefined when no operation was found. */
  name: string | null | undefined;
  type: OperationType;
  /** From the request being received to its answer; left out for subscriptions (they last). */
  seconds?: number;
  /** The answer's errors (formatted or not: only `extensions.code` is read). */
  errors?: readonly { extensions?: { code?: unknown } }[];
  /** The request id, put on the request's span when tracing is on. */
  reqId?: string;
}

interface Series {
  operations: Counter.Internal;
  duration: Histogram.Internal<string>;
}

export class OperationMetrics {
  private readonly operations: Counter;
  private readonly duration: Histogram;
  private readonly errors: Counter;
  /** Series by type, then by operation label: the labels are hashed once per series, not per request. */
  private readonly series = new Map<OperationType, Map<string, Series>>();
  private readonly names = new Set<string>();
  private readonly codes = new Set<string>();
  /** Operation names of query texts answered from the response cache (a hit is never parsed), bounded. */
  private readonly namesOfTexts = new Map<string, string | null | undefined>();

  /** The metrics are registered in `registry` when given, or later with `registerIn`. */
  constructor(
    registry?: Registry,
    private readonly maxNames = operationNamesMax(),
  ) {
    const labelNames = ['operation', 'type'];
    this.operations = new Counter({
      name: 'gateway_operations_total',
      help: 'GraphQL operations answered (HTTP and WebSocket; a subscription counts when it starts), by operation name and type',
      labelNames,
      registers: registry ? [registry] : [],
    });
    this.duration = new Histogram({
      name: 'gateway_operation_duration_seconds',
      help: 'Time from a query or mutation being received to its answer, by operation name and type',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: registry ? [registry] : [],
    });
    this.errors = new Counter({
      name: 'gateway_operation_errors_total',
      help: 'Operations answered with at least one error of this extensions.code, by operation name, type and code',
      labelNames: [...labelNames, 'code'],
      registers: registry ? [registry] : [],
    });
  }

  registerIn(registry: Registry): void {
    for (const metric of [this.operations, this.duration, this.errors]) registry.registerMetric(metric);
  }

  record(outcome: OperationOutcome): void {
    const operation = this.labelOf(outcome.name);
    const series = this.seriesOf(outcome.type, operation);
    series.operations.inc();
    if (outcome.seconds !== undefined) series.duration.observe(outcome.seconds);
    let codes: Set<string> | undefined;
    if (outcome.errors?.length) {
      codes = new Set(outcome.errors.map((error) => this.codeOf(error.extensions?.code)));
      for (const code of codes) this.errors.inc({ operation, type: outcome.type, code });
    }
    const tracing = requestTracing();
    if (tracing) {
      tracing.annotate({
        'graphql.operation.name': operation,
        'graphql.operation.type': outcome.type,
        ...(outcome.reqId ? { [REQUEST_ID_ATTRIBUTE]: outcome.reqId } : {}),
      });
      if (codes) tracing.fail([...codes].join(','));
    }
  }

  /**
   * Records every operation Apollo Server answers: HTTP requests the fast path left to it, and
   * WebSocket queries and mutations (run with `executeOperation`). Errors found before an
   * operation was (parse, validation, no such operationName) count under `(unknown)`.
   */
  plugin(): ApolloServerPlugin<GatewayContext> {
    return {
      requestDidStart: async ({ contextValue }) => {
        const startedAt = contextValue.receivedAt ?? performance.now();
        return {
          willSendResponse: async ({ operation, response }) => {
            this.record({
              name: operation ? (operation.name?.value ?? null) : undefined,
              type: operation?.operation ?? 'unknown',
              seconds: secondsSince(startedAt),
              errors: response.body.kind === 'single' ? response.body.singleResult.errors : undefined,
              reqId: contextValue.reqId,
            });
          },
        };
      },
    };
  }

  /**
   * The name of the operation a query text runs (`operationName` when the request named one):
   * for answers from the response cache, which are stored only for texts that ran, and served
   * without parsing. Parsed once per text.
   */
  nameOf(query: string, operationName: string | null | undefined): string | null | undefined {
    if (operationName) return operationName;
    if (this.namesOfTexts.has(query)) return this.namesOfTexts.get(query);
    let name: string | null | undefined;
    try {
      const operation = getOperationAST(parse(query));
      name = operation ? (operation.name?.value ?? null) : undefined;
    } catch {
      name = undefined;
    }
    if (this.namesOfTexts.size >= 1000) this.namesOfTexts.delete(this.namesOfTexts.keys().next().value as string);
    this.namesOfTexts.set(query, name);
    return name;
  }

  private labelOf(name: string | null | undefined): string {
    if (name === undefined) return UNKNOWN_OPERATION;
    if (name === null || name === '') return ANONYMOUS_OPERATION;
    if (this.names.has(name)) return name;
    if (!GRAPHQL_NAME.test(name)) return UNKNOWN_OPERATION;
    if (this.names.size >= this.maxNames) return OTHER_OPERATION;
    this.names.add(name);
    return name;
  }

  private codeOf(code: unknown): string {
    if (code === undefined || code === null) return 'INTERNAL_SERVER_ERROR';
    if (typeof code !== 'string' || !ERROR_CODE.test(code)) return OTHER_CODE;
    if (this.codes.has(code)) return code;
    if (this.codes.size >= MAX_CODES) return OTHER_CODE;
    this.codes.add(code);
    return code;
  }

  private seriesOf(type: OperationType, operation: string): Series {
    let byName = this.series.get(type);
    if (!byName) this.series.set(type, (byName = new Map()));
    let series = byName.get(operation);
    if (!series) {
      series = { operations: this.operations.labels(operation, type), duration: this.duration.labels(operation, type) };
      byName.set(operation, series);
    }
    return series;
  }
}

/** How many distinct operation names get series of their own (METRICS_OPERATION_NAMES_MAX, default 200). */
export function operationNamesMax(settings: Config = config()): number {
  return settings.METRICS_OPERATION_NAMES_MAX;
}

/** Seconds since `startedAt` (a `performance.now()` reading). */
export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}

const RECEIVED_AT = Symbol('receivedAt');
type Received = { [RECEIVED_AT]?: number };

/** Notes when an HTTP request arrived (the gateway's first handler does, for every request). */
export function markReceived(req: object): void {
  (req as Received)[RECEIVED_AT] = performance.now();
}

/** When `req` arrived (now, when nobody noted it). */
export function receivedAt(req: object): number {
  return (req as Received)[RECEIVED_AT] ?? performance.now();
}
