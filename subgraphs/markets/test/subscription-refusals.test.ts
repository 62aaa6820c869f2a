import { GraphQLError } from 'graphql';
import { refusingAsGraphQL } from '../src/api/context';
import { parseInterval } from '../src/domain/candles';

describe('a subscription set-up refused by a domain rule', () => {
  it('fails with a GraphQL error of the same code, message and extensions (graphql-ws keeps only those)', async () => {
    const error = await refusingAsGraphQL(async () => parseInterval('2m')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).message).toBe('interval must be one of 1m, 5m, 15m, 1h, 4h, 1d');
    expect((error as GraphQLError).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'interval' });
  });

  it('passes other errors and results through unchanged', async () => {
    const other = new Error('socket closed');
    await expect(refusingAsGraphQL(async () => Promise.reject(other))).rejects.toBe(other);
    await expect(refusingAsGraphQL(async () => parseInterval('4h'))).resolves.toBe('4h');
  });
});
