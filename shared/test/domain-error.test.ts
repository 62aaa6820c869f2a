import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse, subscribe, type ExecutionResult } from 'graphql';
import { DomainError, domainErrorOf, formatClientError } from '../src';
import pino from 'pino';

const refusal = () => new DomainError('BAD_USER_INPUT', 'interval must be one of 1m, 5m', { field: 'interval' });

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString, resolve: () => 'ok' } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      candles: {
        type: GraphQLString,
        subscribe: async () => {
          throw refusal();
        },
      },
    },
  }),
});

describe('DomainError', () => {
  it('keeps its code and details where graphql-js wraps it and no formatter runs (a subscription refused at set-up)', async () => {
    const result = (await subscribe({ schema, document: parse('subscription { candles }') })) as ExecutionResult;
    expect(result.errors?.[0].message).toBe('interval must be one of 1m, 5m');
    expect(result.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'interval' });
  });

  it('is answered with its own code and message by the shared error formatter, not as an internal error', () => {
    const format = formatClientError({ logger: pino({ level: 'silent' }), suggestions: false });
    const formatted = format({ message: 'Unexpected error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, { originalError: refusal() });
    expect(formatted).toEqual({ message: 'interval must be one of 1m, 5m', extensions: { field: 'interval', code: 'BAD_USER_INPUT' } });
  });

  it('is found behind the errors that wrap it', () => {
    const error = refusal();
    expect(domainErrorOf({ originalError: { originalError: error } })).toBe(error);
    expect(domainErrorOf(new Error('other'))).toBeUndefined();
  });
});
