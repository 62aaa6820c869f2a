import {
  GraphQLError,
  Kind,
  getArgumentValues,
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  isObjectType,
  isInterfaceType,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { config, type Config } from '@tradegraph/shared';

/**
 * What one GraphQL operation may ask of the gateway, checked before it is planned or run.
 *
 * Size first, on the text and the syntax tree, before validation: validation rules such as
 * "overlapping fields can be merged" cost the square of the number of fields, so a document of
 * thousands of aliases must be refused before it is validated. Then, on the validated document
 * with its variables, the cost: how many objects the answer may hold (see `operationCost`).
 * Each refusal is QUERY_TOO_COMPLEX (HTTP 400) and says which limit, its maximum and the value.
 */
export interface QueryLimits {
  /** Characters of the query text. */
  maxCharacters: number;
  /** Lexical tokens of the query (graphql-js stops parsing beyond them). */
  maxTokens: number;
  /** Nesting of fields, fragments expanded. */
  maxDepth: number;
  /** Aliased fields, fragments expanded. */
  maxAliases: number;
  /** Directives used, fragments expanded. */
  maxDirectives: number;
  /** Fields after expanding every fragment where it is spread (a bound on fragment "bombs"). */
  maxFields: number;
  /** The cost (`operationCost`) of one operation. */
  maxCost: number;
  /** Items assumed in a list that has no size argument (`first`, `depth`) of its own or above it. */
  defaultListSize: number;
}

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/** The limits from the configuration (QUERY_MAX_*), with defaults far above what the API's own clients send. */
export function configuredQueryLimits(settings: Config = config()): QueryLimits {
  return {
    maxCharacters: settings.QUERY_MAX_CHARACTERS,
    maxTokens: settings.QUERY_MAX_TOKENS,
    maxDepth: settings.QUERY_MAX_DEPTH,
    maxAliases: settings.QUERY_MAX_ALIASES,
    maxDirectives: settings.QUERY_MAX_DIRECTIVES,
    maxFields: settings.QUERY_MAX_FIELDS,
    maxCost: settings.QUERY_MAX_COST,
    defaultListSize: settings.QUERY_DEFAULT_LIST_SIZE,
  };
}

export function tooComplex(limit: string, max: number, value: number, message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: QUERY_TOO_COMPLEX, limit, max, [limit === 'cost' ? 'cost' : 'value']: value, http: { status: 400 } },
  });
}

/**
 * The text checks, before parsing: the query's length, and how deep its brackets nest.
 * graphql-js parses recursively, so a list or object literal nested a few thousand deep (within
 * the token limit) overflows the stack; brackets are counted here first, outside strings and
 * comments, and a nesting beyond twice the depth limit (selection sets, arguments, literals)
 * is refused.
 */
export function textProblem(query: string, limits: QueryLimits): GraphQLError | null {
  if (query.length > limits.maxCharacters) {
    return tooComplex('characters', limits.maxCharacters, query.length, `The query is longer than ${limits.maxCharacters} characters`);
  }
  const maxNesting = limits.maxDepth * 2 + 10;
  const nesting = bracketNesting(query, maxNesting);
  if (nesting > maxNesting) return tooComplex('nesting', maxNesting, nesting, `The query's brackets nest deeper than ${maxNesting} levels`);
  return null;
}

/** The deepest nesting of `{`, `[` and `(` in a GraphQL text, outside strings and comments; stops past `stopAbove`. */
function bracketNesting(text: string, stopAbove: number): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i += 1;
    } else if (c === 0x22 /* " */) {
      if (text.startsWith('"""', i)) {
        const end = text.indexOf('"""', i + 3);
        i = end < 0 ? text.length : end + 2;
      } else {
        for (i += 1; i < text.length; i += 1) {
          const d = text.charCodeAt(i);
          if (d === 0x5c /* \ */) i += 1;
          else if (d === 0x22 || d === 0x0a || d === 0x0d) break;
        }
      }
    } else if (c === 0x7b || c === 0x5b || c === 0x28) {
      depth += 1;
      if (depth > deepest) deepest = depth;
      if (deepest > stopAbove) return deepest;
    } else if (c === 0x7d || c === 0x5d || c === 0x29) {
      depth -= 1;
    }
  }
  return deepest;
}

/** graphql-js's parse error for too many tokens, turned into ours. */
export function tokenProblem(error: unknown, limits: QueryLimits): GraphQLError | null {
  const message = (error as Error)?.message ?? '';
  // graphql-js words it "more that" (sic) in some versions.
  if (!/Document contains more th[ae]n/.test(message)) return null;
  return tooComplex('tokens', limits.maxTokens, limits.maxTokens + 1, `The query has more than ${limits.maxTokens} tokens`);
}

/** A fragment chain, so a fragment spread inside itself (invalid, but not yet validated) is not expanded again. */
interface Chain {
  name: string;
  up: Chain | undefined;
}
const inChain = (chain: Chain | undefined, name: string): boolean => {
  for (let link = chain; link; link = link.up) if (link.name === name) return true;
  return false;
};

/**
 * The size checks on a parsed (not yet validated) document: depth, aliases, directives and
 * fields over every operation, fragments expanded where spread. Iterative, and it stops once a
 * limit is passed, so no document costs more than the limits allow to look at.
 */
export function shapeProblem(document: DocumentNode, limits: QueryLimits): GraphQLError | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  let aliases = 0;
  let directives = 0;
  let fields = 0;
  const stack: { set: SelectionSetNode; depth: number; chain: Chain | undefined }[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    directives += definition.directives?.length ?? 0;
    stack.push({ set: definition.selectionSet, depth: 1, chain: undefined });
  }
  while (stack.length > 0) {
    const { set, depth, chain } = stack.pop()!;
    for (const selection of set.selections) {
      directives += selection.directives?.length ?? 0;
      if (selection.kind === Kind.FIELD) {
        fields += 1;
        if (selection.alias) aliases += 1;
        if (depth > limits.maxDepth) {
          return tooComplex('depth', limits.maxDepth, depth, `The query is nested deeper than ${limits.maxDepth} levels`);
        }
        if (selection.selectionSet) stack.push({ set: selection.selectionSet, depth: depth + 1, chain });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        stack.push({ set: selection.selectionSet, depth, chain });
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (fragment && !inChain(chain, name)) {
          directives += fragment.directives?.length ?? 0;
          stack.push({ set: fragment.selectionSet, depth, chain: { name, up: chain } });
        }
      }
      if (aliases > limits.maxAliases) return tooComplex('aliases', limits.maxAliases, aliases, `The query uses more than ${limits.maxAliases} aliases`);
      if (directives > limits.maxDirectives) {
        return tooComplex('directives', limits.maxDirectives, directives, `The query uses more than ${limits.maxDirectives} directives`);
      }
      if (fields > limits.maxFields) {
        return tooComplex('fields', limits.maxFields, fields, `The query selects more than ${limits.maxFields} fields (fragments expanded)`);
      }
    }
  }
  return null;
}

/** Arguments that say how many items a field returns, here or in the lists under it. */
const SIZE_ARGUMENTS = ['first', 'last', 'limit', 'depth'];

/**
 * The cost of an operation: the number of objects its answer may hold, GitHub's model.
 *
 * A field that returns objects costs 1 per object, plus what is selected under each; scalar
 * and enum fields are free (they come with their object). A list field returns as many items
 * as its size argument says (`first`, `depth`, its default when not given), or as the size
 * argument of the field above it says for the lists it holds (a connection's `first` sizes its
 * `edges`, an order book's `depth` its `bids` and `asks`), else `defaultListSize`. So
 * `{ myOrders(first: 50) { edges { node { market { symbol } } } } }` costs 1 + 50 × (1 + 1 + 1) = 151 (the connection, then per item an edge, its node and its market).
 * Variables are read, so a page size given as a variable counts as sent.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  limits: Pick<QueryLimits, 'defaultListSize'>,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const rootType =
    operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!rootType) return 0;

  const fieldOf = (type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined =>
    isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;

  const sizeOf = (field: GraphQLField<unknown, unknown>, node: Parameters<typeof getArgumentValues>[1]): number | undefined => {
    if (!field.args.some((arg) => SIZE_ARGUMENTS.includes(arg.name))) return undefined;
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(field, node, variables ?? {});
    } catch {
      return undefined; // arguments that do not coerce are refused when the operation runs
    }
    for (const name of SIZE_ARGUMENTS) {
      const value = values[name];
      if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, value);
    }
    return 50; // a connection's page size when `first` is left out (shared pageSize)
  };

  // Recursion is bounded by the depth limit, checked before (shapeProblem).
  const costOf = (set: SelectionSetNode, parentType: GraphQLNamedType, inheritedSize: number | undefined): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? parentType) : parentType;
        total += costOf(selection.selectionSet, type, inheritedSize);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment) total += costOf(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? parentType, inheritedSize);
        continue;
      }
      const field = fieldOf(parentType, selection.name.value);
      if (!field || !selection.selectionSet) continue; // scalars, enums, __typename
      const named = getNamedType(field.type);
      if (isLeafType(named)) continue;
      const size = sizeOf(field, selection);
      const isList = isListType(getNullableType(field.type));
      const items = isList ? (size ?? inheritedSize ?? limits.defaultListSize) : 1;
      total += items * (1 + costOf(selection.selectionSet, named, isList ? undefined : size));
    }
    return total;
  };
  return costOf(operation.selectionSet, rootType, undefined);
}
