import {
  Kind,
  getVariableValues,
  parse,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { FetchNode, QueryPlan } from '@apollo/query-planner';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import type { GatewayContext } from '../context';
import { subgraphRequestHeaders } from './datasource';
import { noteFetch } from '../cache/public-cache';

/**
 * Mutations that one subgraph answers whole, sent to it without @apollo/gateway's executor.
 *
 * Placing or cancelling an order is one fetch to the matching subgraph, and the subgraph's data
 * is already the answer. Through the executor each such request still cost the gateway about
 * 0.5 ms of CPU — plan lookup, OpenTelemetry spans, the operation converted to the planner's
 * model again, node-fetch Request and Headers objects, result shaping — which is what held the
 * order flow through the gateway to a fraction of the subgraph's own rate.
 *
 * A mutation is forwarded only when its plan (made once per document by the same query planner
 * and supergraph as the gateway's) is a single fetch with nothing to require or rewrite, and
 * the fetch selects exactly the fields the client asked for, under the same names and in the
 * same order, without fragments or directives. Then the subgraph's `data` is, field for field,
 * what result shaping would produce, and it is written back as is. The fetch itself is the one
 * the executor would send: the same operation text, variables, operation name and headers.
 *
 * Anything but a plain successful answer — errors, a non-200 status, a body that is not JSON,
 * a connection that failed — is handed back to the caller to *replay* through the executor
 * (see `SubgraphDataSource`): the executor then receives this very response instead of fetching,
 * so errors are shaped exactly as before and the mutation still reaches the subgraph only once.
 */
export interface ForwardRoute {
  subgraph: string;
  url: string;
  fetch: FetchNode;
}

/** What came back from forwarding: the answer's bytes, or the subgraph's response for the executor to replay. */
export type ForwardOutcome = { bytes: Buffer } | { replay: FetcherResponse | Error };

/** A selection set's response keys, in order, with the shape under each (null for leaves). */
type Shape = [string, Shape | null][];

/**
 * The response keys of a selection set, or undefined when it holds anything whose output is
 * not simply those fields: fragments (they may merge or depend on the runtime type) and
 * directives (@skip, @include, @defer).
 */
function shapeOf(selectionSet: SelectionSetNode): Shape | undefined {
  const shape: Shape = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.directives?.length) return undefined;
    let child: Shape | null = null;
    if (selection.selectionSet) {
      const nested = shapeOf(selection.selectionSet);
      if (!nested) return undefined;
      child = nested;
    }
    shape.push([selection.alias?.value ?? selection.name.value, child]);
  }
  return shape;
}

function operationOf(document: DocumentNode): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operations.length === 1 ? operations[0] : undefined;
}

/** The route for a mutation's plan, or null when the plan is not one fetch the subgraph answers whole. */
export function forwardRouteOf(
  operation: OperationDefinitionNode,
  plan: QueryPlan,
  subgraphUrl: (name: string) => string | undefined,
): ForwardRoute | null {
  if (operation.operation !== 'mutation') return null;
  const fetch = plan.node;
  if (!fetch || fetch.kind !== 'Fetch') return null;
  if (fetch.requires || fetch.inputRewrites?.length || fetch.outputRewrites?.length || fetch.contextRewrites?.length) return null;
  if (fetch.hasDefers || fetch.operationKind !== 'mutation') return null;
  const url = subgraphUrl(fetch.serviceName);
  if (!url) return null;
  const fetchOperation = operationOf(fetch.operationDocumentNode ?? parse(fetch.operation));
  if (!fetchOperation) return null;
  const asked = shapeOf(operation.selectionSet);
  const sent = shapeOf(fetchOperation.selectionSet);
  if (!asked || !sent || JSON.stringify(asked) !== JSON.stringify(sent)) return null;
  return { subgraph: fetch.serviceName, url, fetch };
}

export class MutationForwarder {
  /** Routes by document (the document cache hands out one object per text) and operation name. */
  private readonly routes = new WeakMap<DocumentNode, Map<string, ForwardRoute | null>>();

  constructor(
    private readonly deps: {
      schema: GraphQLSchema;
      /** The gateway's query plan for an operation (the same planner and supergraph). */
      planOf: (document: DocumentNode, operationName: string | undefined) => QueryPlan;
      subgraphUrl: (name: string) => string | undefined;
      fetcher: Fetcher;
    },
  ) {}

  /** The route for this mutation, or null when the executor must run it. */
  route(document: DocumentNode, operation: OperationDefinitionNode, operationName: string | undefined): ForwardRoute | null {
    let byName = this.routes.get(document);
    if (!byName) this.routes.set(document, (byName = new Map()));
    const name = operationName ?? '';
    let route = byName.get(name);
    if (route === undefined) {
      try {
        route = forwardRouteOf(operation, this.deps.planOf(document, operationName), this.deps.subgraphUrl);
      } catch {
        // A plan the planner cannot make is the executor's to report.
        route = null;
      }
      byName.set(name, route);
    }
    return route;
  }

  /** True when the variables coerce; otherwise the executor reports them (BAD_USER_INPUT) before fetching anything. */
  variablesCoerce(operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): boolean {
    if (!operation.variableDefinitions?.length) return true;
    return !getVariableValues(this.deps.schema, operation.variableDefinitions, variables ?? {}).errors;
  }

  /** Sends the mutation to its subgraph as the executor would. */
  async send(route: ForwardRoute, context: GatewayContext, variables: Record<string, unknown> | undefined): Promise<ForwardOutcome> {
    const { fetch, url } = route;
    // The variables the fetch uses, as the executor picks them (executeQueryPlan.ts there).
    const used: Record<string, unknown> = {};
    for (const name of fetch.variableUsages ?? []) {
      if (variables && Object.hasOwn(variables, name) && variables[name] !== undefined) used[name] = variables[name];
    }
    // The write makes this subgraph's cached public answers stale, as in SubgraphDataSource.process.
    noteFetch(context, url, true);
    let response: FetcherResponse;
    try {
      response = await this.deps.fetcher(url, {
        method: 'POST',
        headers: subgraphRequestHeaders(context),
        body: JSON.stringify({ query: fetch.operation, variables: used, operationName: fetch.operationName }),
      });
    } catch (error) {
      return { replay: error instanceof Error ? error : new Error(String(error)) };
    }
    if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('application/json')) return { replay: response };
    let body: { data?: unknown; errors?: unknown };
    try {
      body = JSON.parse(await response.clone().text()) as { data?: unknown; errors?: unknown };
    } catch {
      return { replay: response };
    }
    if (typeof body !== 'object' || body === null || body.errors !== undefined || typeof body.data !== 'object' || body.data === null) {
      return { replay: response };
    }
    // As the pipeline writes an answer without errors or extensions (subgraph extensions never reach the client).
    return { bytes: Buffer.from(`${JSON.stringify({ data: body.data })}\n`, 'utf8') };
  }
}
