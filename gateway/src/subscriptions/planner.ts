import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';

/** How one subscription operation runs: which subgraph streams it and what resolves the rest. */
export interface SubscriptionPlan {
  /** The subscription sent to the owning subgraph over graphql-ws. */
  primary: FetchNode;
  /**
   * Run for each event: the primary fetch (answered with the event's payload) followed by the
   * fetches of fields that other subgraphs own — the same executor queries use.
   */
  perEvent: QueryPlan;
}

/**
 * The federation query planner over the supergraph, with plans cached by operation text:
 * many clients subscribe with the same operation, and planning is the expensive part. The most
 * recently used `maxCachedPlans` are kept (lru-cache).
 */
export class SubscriptionPlanner {
  readonly supergraphSchema: GraphQLSchema;
  readonly apiSchema: Schema;
  private readonly planner: QueryPlanner;
  private readonly cache: LRUCache<string, SubscriptionPlan>;

  constructor(
    supergraphSdl: string,
    maxCachedPlans = 1000,
  ) {
    this.cache = new LRUCache({ max: maxCachedPlans });
    const supergraph = Supergraph.build(supergraphSdl);
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.apiSchema = supergraph.apiSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  /** The plan of any operation, uncached: as the gateway's executor plans it (same planner, same supergraph). */
  queryPlan(document: DocumentNode, operationName: string | undefined): QueryPlan {
    return this.planner.buildQueryPlan(operationFromDocument(this.apiSchema, document, { operationName }));
  }

  plan(cacheKey: string, document: DocumentNode, operationName: string | undefined): SubscriptionPlan {
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const queryPlan = this.queryPlan(document, operationName);
    const node = queryPlan.node;
    if (!node || node.kind !== 'Subscription') throw new Error('Not a subscription operation');
    const nodes: PlanNode[] = node.rest ? [node.primary, node.rest] : [node.primary];
    const plan: SubscriptionPlan = {
      primary: node.primary,
      perEvent: { kind: 'QueryPlan', node: { kind: 'Sequence', nodes } },
    };
    this.cache.set(cacheKey, plan);
    return plan;
  }
}
