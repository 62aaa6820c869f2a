import { readFileSync } from 'node:fs';
import { getOperationAST, parse } from 'graphql';
import { forwardRouteOf } from '../src/execution/forward';
import { SubscriptionPlanner } from '../src/subscriptions/planner';

// Which mutations the gateway may send straight to one subgraph (forward.ts): only those whose
// plan, made by the real planner over the real supergraph, is one fetch selecting exactly what
// the client asked for. Everything else must be left to the executor.
const planner = new SubscriptionPlanner(readFileSync(require.resolve('@tradegraph/schema/supergraph.graphql'), 'utf8'));
const url = (name: string) => `http://${name}.invalid/graphql`;

function routeOf(text: string) {
  const document = parse(text);
  const operation = getOperationAST(document)!;
  return forwardRouteOf(operation, planner.queryPlan(document, undefined), url);
}

describe('forwardRouteOf', () => {
  it('forwards a mutation one subgraph answers whole, with the fetch the executor would send', () => {
    const route = routeOf('mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status clientOrderId } }');
    expect(route).not.toBeNull();
    expect(route!.subgraph).toBe('matching');
    expect(route!.url).toBe(url('matching'));
    expect(route!.fetch.operation).toBe('mutation Place__matching__0($input:PlaceOrderInput!){placeOrder(input:$input){id status clientOrderId}}');
    expect(route!.fetch.operationName).toBe('Place__matching__0');
    expect(route!.fetch.variableUsages).toEqual(['input']);
    // Aliases and several root fields of one subgraph keep their names and order.
    const cancel = routeOf('mutation ($a: String!, $b: String!) { first: cancelOrder(clientOrderId: $a) { id s: status } second: cancelOrder(clientOrderId: $b) { id } }');
    expect(cancel?.subgraph).toBe('matching');
    expect(cancel!.fetch.variableUsages!.sort()).toEqual(['a', 'b']);
    expect(routeOf('mutation { cancelOrder(clientOrderId: "x") { __typename id } }')?.subgraph).toBe('matching');
  });

  it('leaves to the executor what needs more than one fetch or reshaping', () => {
    // The order's market is the markets subgraph's entity: a second fetch.
    expect(routeOf('mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id market { symbol baseAsset { name } } } }')).toBeNull();
    // Fragments and directives change the answer's shape at run time.
    expect(routeOf('mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { ...F } } fragment F on Order { id }')).toBeNull();
    expect(routeOf('mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { ... on Order { id } } }')).toBeNull();
    expect(routeOf('mutation ($input: PlaceOrderInput!, $s: Boolean!) { placeOrder(input: $input) { id status @include(if: $s) } }')).toBeNull();
    // Introspection is answered by the gateway itself.
    expect(routeOf('mutation ($input: PlaceOrderInput!) { __typename placeOrder(input: $input) { id } }')).toBeNull();
    // Queries keep the executor, its public caches and cache hints.
    expect(routeOf('query { markets(first: 1) { edges { node { symbol } } } }')).toBeNull();
    // Root fields of two subgraphs.
    expect(routeOf('mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } logout }')).toBeNull();
  });

  it('refuses a subgraph it has no address for', () => {
    const document = parse('mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }');
    expect(forwardRouteOf(getOperationAST(document)!, planner.queryPlan(document, undefined), () => undefined)).toBeNull();
  });
});
