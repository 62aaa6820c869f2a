import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  getOperationAST,
  parse,
  visit,
  BREAK,
  print,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import { documentInputProblem, inputError, introspectionEnabled } from '@tradegraph/shared';
import { configuredQueryLimits, shapeProblem, textProblem, tokenProblem, type QueryLimits } from '../limits/query-limits';

/**
 * Operations sent over the WebSocket, parsed and validated once per distinct text. Thousands of
 * clients subscribe with the same few operations: sharing one syntax tree instead of one per
 * subscription saves the parse and validation on each subscribe and several KB per idle socket.
 * Validation depends only on the text and the schema, so its errors are remembered as well.
 * The texts kept are the most recently used `maxEntries` (lru-cache); Apollo Server keeps its own
 * store for the pipeline, this one serves the WebSocket and the fast path.
 */
export class OperationDocuments {
  private readonly entries: LRUCache<string, { document: DocumentNode } | { errors: GraphQLError[] }>;
  private readonly texts = new WeakMap<DocumentNode, string>();
  private readonly shapes = new WeakMap<DocumentNode, Map<string, string>>();

  /** Validation rules: GraphQL's, and no introspection when it is off (INTROSPECTION), as Apollo Server validates. */
  private readonly rules;
  private readonly suggestions: boolean;

  constructor(
    private readonly schema: GraphQLSchema,
    maxEntries = 1000,
    readonly limits: QueryLimits = configuredQueryLimits(),
    introspection = introspectionEnabled(),
  ) {
    this.entries = new LRUCache({ max: maxEntries });
    this.rules = introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
    // Without introspection, "Did you mean …?" hints would hand out field names instead.
    this.suggestions = introspection;
  }

  /**
   * The document for `query`, or the errors to answer with: QUERY_TOO_COMPLEX (too long, too
   * many tokens, too deep, too many aliases or directives: see limits/query-limits.ts), BAD_USER_INPUT
   * (a string literal with control characters), GRAPHQL_PARSE_FAILED or GRAPHQL_VALIDATION_FAILED.
   */
  get(query: string): { document: DocumentNode } | { errors: GraphQLError[] } {
    const known = this.entries.get(query);
    if (known) return known;
    // A text over the length limit is refused without being parsed or remembered.
    const tooLong = textProblem(query, this.limits);
    if (tooLong) return { errors: [tooLong] };
    const prepared = this.prepare(query);
    this.entries.set(query, prepared);
    return prepared;
  }

  /** The document printed: the same text for the same operation however the client spaced it. */
  textOf(document: DocumentNode): string {
    let text = this.texts.get(document);
    if (text === undefined) this.texts.set(document, (text = print(document)));
    return text;
  }

  /**
   * What the results of one of the document's operations look like: that operation printed
   * without its name, with the document's fragments. Operations that differ only in their name,
   * spacing or the other operations beside them give the same results to the same variables, so
   * their subscriptions can share one upstream.
   */
  shapeOf(document: DocumentNode, operationName: string | undefined): string {
    let byName = this.shapes.get(document);
    if (!byName) this.shapes.set(document, (byName = new Map()));
    let shape = byName.get(operationName ?? '');
    if (shape === undefined) {
      const operation = getOperationAST(document, operationName);
      const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
      shape = operation ? print({ kind: Kind.DOCUMENT, definitions: [{ ...operation, name: undefined }, ...fragments] }) : this.textOf(document);
      byName.set(operationName ?? '', shape);
    }
    return shape;
  }

  private prepare(query: string): { document: DocumentNode } | { errors: GraphQLError[] } {
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: this.limits.maxTokens });
    } catch (error) {
      const tooMany = tokenProblem(error, this.limits);
      if (tooMany) return { errors: [tooMany] };
      return { errors: [new GraphQLError((error as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })] };
    }
    // Size before validation: some validation rules cost the square of the fields.
    const tooBig = shapeProblem(document, this.limits);
    if (tooBig) return { errors: [tooBig] };
    const unsafe = documentInputProblem(document);
    if (unsafe) return { errors: [inputError(unsafe)] };
    const incremental = incrementalDeliveryProblem(document);
    if (incremental) return { errors: [incremental] };
    const errors = validate(this.schema, document, this.rules);
    if (errors.length > 0) {
      return {
        errors: errors.map(
          (e) =>
            new GraphQLError(this.suggestions ? e.message : e.message.replace(/ ?Did you mean [^?]*\?/g, ''), {
              nodes: e.nodes,
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            }),
        ),
      };
    }
    return { document };
  }
}

/** The stable code of a request that asks for incremental delivery (README, "@defer"). */
export const DEFER_NOT_SUPPORTED = 'DEFER_NOT_SUPPORTED';

/**
 * @defer and @stream are refused with a code of their own rather than "Unknown directive":
 * @apollo/gateway's executor cannot run a query plan with deferred parts (its planner can make
 * one, behind `incrementalDelivery.enableDefer`, but executeQueryPlan asserts "@defer support is
 * not available in the gateway"), so the API schema does not declare them.
 */
export function incrementalDeliveryProblem(document: DocumentNode): GraphQLError | null {
  let found: string | undefined;
  visit(document, {
    Directive(node) {
      if (node.name.value === 'defer' || node.name.value === 'stream') {
        found = node.name.value;
        return BREAK;
      }
      return undefined;
    },
  });
  if (!found) return null;
  return new GraphQLError(
    `@${found} is not supported: the gateway answers every query whole. Send the slow part as a query of its own (or subscribe to it) instead`,
    { extensions: { code: DEFER_NOT_SUPPORTED, http: { status: 400 } } },
  );
}
