import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import { badInput } from './errors';

/**
 * Checks on what a client sends, made before anything else touches it.
 *
 * Client input reaches code that recurses (JSON.stringify in cache keys and logs, variable
 * coercion) and code that hands strings to PostgreSQL, which refuses NUL in `text` and `jsonb`
 * and unpaired UTF-16 surrogates in `jsonb`. A request that carries such things is refused at
 * the edge with BAD_USER_INPUT, so none of it gets far enough to throw a RangeError out of a
 * request handler or an SQL error out of a write that other requests share.
 */

/** Nesting allowed in variables: far above any input type of the schema, far below a stack overflow. */
export const MAX_INPUT_DEPTH = 32;
/** Values (objects, arrays, scalars) allowed in one request's variables. */
export const MAX_INPUT_VALUES = 20_000;

/**
 * Characters no identifier, label, email or text field needs and that PostgreSQL or a log line
 * would choke on: C0 controls except tab, line feed and carriage return, DEL, and UTF-16
 * surrogates that are not part of a pair.
 */
const UNSAFE_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasUnsafeCharacters(text: string): boolean {
  return UNSAFE_CHARACTERS.test(text);
}

/**
 * What is wrong with a JSON value from a client (its variables), or null when nothing is:
 * nesting deeper than `maxDepth`, more than `maxValues` values, or a string (or object key)
 * with unsafe characters. Iterative, so a value nested thousands deep costs no stack.
 */
export function inputProblem(value: unknown, maxDepth = MAX_INPUT_DEPTH, maxValues = MAX_INPUT_VALUES): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  let seen = 0;
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (++seen > maxValues) return `The variables hold more than ${maxValues} values`;
    if (typeof current === 'string') {
      if (hasUnsafeCharacters(current)) return 'A string in the variables holds a control character or an unpaired surrogate';
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= maxDepth) return `The variables are nested deeper than ${maxDepth} levels`;
    if (Array.isArray(current)) {
      for (const item of current) stack.push([item, depth + 1]);
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (hasUnsafeCharacters(key)) return 'A key in the variables holds a control character or an unpaired surrogate';
      stack.push([item, depth + 1]);
    }
  }
  return null;
}

/** The error a refused input gets: BAD_USER_INPUT, HTTP 400. */
export function inputError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
}

/** Throws BAD_USER_INPUT when the variables are refused (see `inputProblem`). */
export function assertSafeVariables(variables: unknown): void {
  const problem = inputProblem(variables);
  if (problem) throw inputError(problem);
}

/** What is wrong with the string literals of a document (unsafe characters), or null. */
export function documentInputProblem(document: DocumentNode): string | null {
  let problem: string | null = null;
  visit(document, {
    [Kind.STRING](node) {
      if (problem === null && hasUnsafeCharacters(node.value)) problem = 'A string in the query holds a control character or an unpaired surrogate';
    },
  });
  return problem;
}

/**
 * Shared rules for the short strings users choose: identifiers (clientOrderId, idempotency
 * keys), labels (names of keys, alerts, bots) and symbols. Each throws BAD_USER_INPUT naming
 * the field, and returns the value so a resolver can use it inline.
 */
const IDENTIFIER = /^[\x21-\x7E]+$/; // printable ASCII without spaces
const SYMBOL = /^[A-Z0-9]{1,12}(-[A-Z0-9]{1,12})?$/;

export function validIdentifier(value: string, field: string, maxLength = 64): string {
  if (value.length === 0 || value.length > maxLength || !IDENTIFIER.test(value)) {
    throw badInput(`${field} must be 1 to ${maxLength} printable ASCII characters without spaces`, field);
  }
  return value;
}

export function validLabel(value: string, field: string, maxLength = 100): string {
  if (value.trim().length === 0 || value.length > maxLength || hasUnsafeCharacters(value) || /[\r\n\t]/.test(value)) {
    throw badInput(`${field} must be 1 to ${maxLength} characters on one line`, field);
  }
  return value;
}

/** An asset ("BTC") or market ("BTC-USDT") symbol, upper case. */
export function validSymbol(value: string, field: string): string {
  if (!SYMBOL.test(value)) throw badInput(`${field} is not a symbol like "BTC" or "BTC-USDT"`, field);
  return value;
}

/** Problems of documents already checked, by document (Apollo Server hands out one object per text). */
const checkedDocuments = new WeakMap<DocumentNode, string | null>();

export function cachedDocumentInputProblem(document: DocumentNode): string | null {
  let problem = checkedDocuments.get(document);
  if (problem === undefined) checkedDocuments.set(document, (problem = documentInputProblem(document)));
  return problem;
}

/**
 * The checks above as an Apollo Server plugin: variables and string literals are looked at once
 * the operation is known and before anything runs (or a cache key is made from them).
 * `maxValues` is larger in subgraphs, whose `_entities` variables carry every representation.
 */
export function inputGuardPlugin<Context extends BaseContext>(maxValues = MAX_INPUT_VALUES): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const problem = inputProblem(request.variables, MAX_INPUT_DEPTH, maxValues) ?? cachedDocumentInputProblem(document);
          if (problem) throw inputError(problem);
        },
      };
    },
  };
}
