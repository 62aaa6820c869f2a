import { GraphQLScalarType, Kind } from 'graphql';

/**
 * Money and quantities travel as decimal strings ("65000.25"), never floats: a float cannot
 * hold most decimal fractions exactly. Postgres stores them as NUMERIC.
 */
const DECIMAL_PATTERN = /^-?(0|[1-9]\d{0,29})(\.\d{1,18})?$/;

function parseDecimal(value: unknown): string {
  if (typeof value !== 'string' || !DECIMAL_PATTERN.test(value)) {
    throw new TypeError(`Decimal must be a string like "123.45" (at most 30 integer and 18 fraction digits); got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Postgres returns NUMERIC as a string with trailing zeros ("1.50000000"); show it canonically. */
export function canonicalDecimal(value: string): string {
  if (!value.includes('.')) return value;
  const trimmed = value.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'An exact decimal number as a string, e.g. "65000.25". Never a float.',
  serialize: (value) => canonicalDecimal(String(value)),
  parseValue: parseDecimal,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new TypeError('Decimal literals are strings, e.g. "0.5"');
    return parseDecimal(ast.value);
  },
});

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO-8601 UTC timestamp, e.g. "2026-11-21T12:00:00.000Z".',
  serialize: (value) => (value instanceof Date ? value : new Date(String(value))).toISOString(),
  parseValue(value) {
    const date = new Date(String(value));
    if (typeof value !== 'string' || Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO-8601 string');
    return date;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new TypeError('DateTime literals are ISO-8601 strings');
    const date = new Date(ast.value);
    if (Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO-8601 string');
    return date;
  },
});
