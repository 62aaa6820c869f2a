import { isScalarType, valueFromASTUntyped, type GraphQLSchema } from 'graphql';
import { DateTimeScalar, DecimalScalar } from '@tradegraph/shared';

/**
 * The supergraph names the scalars `Decimal` and `DateTime` but knows nothing of their rules,
 * so the gateway passed any value on, and a subgraph's refusal came back as an internal error
 * with the subgraph's raw answer. Here they check values as the subgraphs will (the shared
 * definitions), so a bad one is BAD_USER_INPUT at the gateway, in variables (coercion) and in
 * literals (validation) alike. The value itself goes on unchanged: the subgraph parses it again.
 */
export function validateScalarsAtTheEdge(schema: GraphQLSchema): void {
  for (const shared of [DecimalScalar, DateTimeScalar]) {
    const type = schema.getType(shared.name);
    if (!isScalarType(type)) continue;
    type.parseValue = (value: unknown) => {
      shared.parseValue(value);
      return value;
    };
    type.parseLiteral = (ast, variables) => {
      shared.parseLiteral(ast, variables);
      return valueFromASTUntyped(ast, variables);
    };
  }
}
