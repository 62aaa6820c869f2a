import { GraphQLError, Kind, getOperationAST, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { NextFunction, Request, Response } from 'express';
import { inputError, inputProblem } from '@tradegraph/shared';
import { DEFER_NOT_SUPPORTED, type OperationDocuments } from '../cache/documents';
import { QUERY_TOO_COMPLEX, operationCost, tooComplex } from './query-limits';

/**
 * The gateway's admission of one GraphQL request, the same on every path (the HTTP fast path,
 * Apollo Server's pipeline behind express, WebSocket operations): variables bounded and free of
 * control characters, the document within the size limits, the operation within the cost limit.
 * A request it refuses goes no further — not parsed again, not planned, not a cache key.
 * Parse and validation errors are not its business: the usual paths answer those as before.
 */
export class QueryGate {
  /** Costs of operations whose cost does not depend on variables, by document and operation name. */
  private readonly fixedCosts = new WeakMap<DocumentNode, Map<string, number>>();

  constructor(
    private readonly documents: OperationDocuments,
    private readonly schema: GraphQLSchema,
    /** HTTP requests carry queries and mutations only; WebSocket and the HTTP streams (graphql-sse, multipart) subscriptions too. */
    private readonly transport: 'http' | 'websocket' | 'streams',
  ) {}

  /** Null when the request may go on, else the error to refuse it with (its `extensions.http.status` says the status). */
  check(query: unknown, operationName: unknown, variables: unknown): GraphQLError | null {
    const problem = inputProblem(variables);
    if (problem) return inputError(problem);
    if (typeof query !== 'string') return null;
    const prepared = this.documents.get(query);
    if ('errors' in prepared) {
      const [first] = prepared.errors;
      const code = first?.extensions.code;
      // Parse and validation errors are left to the usual paths, which answer them as before.
      return code === QUERY_TOO_COMPLEX || code === 'BAD_USER_INPUT' || code === DEFER_NOT_SUPPORTED ? first : null;
    }
    const name = typeof operationName === 'string' ? operationName : undefined;
    const operation = getOperationAST(prepared.document, name);
    // Client mistakes, answered 400 here (the gateway's executor would make them a 500).
    if (!operation) {
      return name === undefined
        ? requestError('The document holds several operations: name the one to run in operationName')
        : requestError(`The document has no operation named ${JSON.stringify(name.slice(0, 100))}`);
    }
    if (operation.operation === 'subscription' && this.transport === 'http') {
      return requestError(
        'Subscriptions at /graphql are served over WebSocket (graphql-ws), Server-Sent Events (graphql-sse: Accept: text/event-stream) ' +
          'or multipart HTTP (Accept: multipart/mixed;subscriptionSpec="1.0"), not as a plain HTTP POST or GET',
      );
    }
    const cost = this.costOf(prepared.document, operation, variables as Record<string, unknown> | undefined);
    const { maxCost } = this.documents.limits;
    if (cost > maxCost) return tooComplex('cost', maxCost, cost, `The query could return about ${cost} objects, more than ${maxCost}`);
    return null;
  }

  /**
   * The operation a request that passed `check` runs, and its cost, for the rate limits; null when
   * the document does not parse or validate (the usual paths answer those).
   */
  admission(query: string, operationName: string | undefined, variables: Record<string, unknown> | undefined) {
    const prepared = this.documents.get(query);
    if ('errors' in prepared) return null;
    const operation = getOperationAST(prepared.document, operationName);
    if (!operation) return null;
    return { operation, cost: this.costOf(prepared.document, operation, variables) };
  }

  /** The cost of an operation (see operationCost), remembered per document when no variable can change it. */
  costOf(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): number {
    // A page size can only come from an Int variable; without one the cost is the document's own.
    const fixed = !operation.variableDefinitions?.some((definition) => {
      let type = definition.type;
      while (type.kind !== Kind.NAMED_TYPE) type = type.type;
      return type.name.value === 'Int';
    });
    if (!fixed) return operationCost(this.schema, document, operation, variables, this.documents.limits);
    let byName = this.fixedCosts.get(document);
    if (!byName) this.fixedCosts.set(document, (byName = new Map()));
    const name = operation.name?.value ?? '';
    let cost = byName.get(name);
    if (cost === undefined) byName.set(name, (cost = operationCost(this.schema, document, operation, undefined, this.documents.limits)));
    return cost;
  }

  /**
   * The same check as express middleware, for requests that reach Apollo Server's pipeline
   * (GET requests, and POSTs the fast path passed on): a refusal is answered here.
   */
  middleware(onRefused?: (req: Request, error: GraphQLError) => void) {
    const refuseCounted = (req: Request, res: Response, error: GraphQLError) => {
      onRefused?.(req, error);
      refuse(res, error);
    };
    return (req: Request, res: Response, next: NextFunction): void => {
      let query: unknown;
      let operationName: unknown;
      let variables: unknown;
      if (req.method === 'GET') {
        const params = req.query as Record<string, unknown>;
        ({ query, operationName } = params);
        if (typeof params.variables === 'string') {
          try {
            variables = JSON.parse(params.variables);
          } catch {
            return next(); // Apollo Server refuses variables that are not JSON
          }
        }
      } else {
        const body = req.body as Record<string, unknown> | undefined;
        if (Array.isArray(body)) {
          for (const item of body as Record<string, unknown>[]) {
            const error = this.check(item?.query, item?.operationName, item?.variables);
            if (error) return void refuseCounted(req, res, error);
          }
          return next();
        }
        ({ query, operationName, variables } = body ?? {});
      }
      const error = this.check(query, operationName, variables);
      if (error) return void refuseCounted(req, res, error);
      next();
    };
  }
}

function requestError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}

/** The error as a client sees it: no `http` extension. */
export function clientError(error: GraphQLError): GraphQLFormattedError {
  const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
  return { message: error.message, extensions };
}

export function statusOf(error: GraphQLError): number {
  const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : 400;
}

/** A refusal as the body of an HTTP answer. */
export function refusalBody(error: GraphQLError): Buffer {
  return Buffer.from(`${JSON.stringify({ errors: [clientError(error)] })}\n`, 'utf8');
}

function refuse(res: Response, error: GraphQLError): void {
  res.status(statusOf(error)).type('application/json').send(refusalBody(error));
}
