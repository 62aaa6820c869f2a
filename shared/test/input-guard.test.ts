import pino from 'pino';
import { GraphQLError } from 'graphql';
import { formatClientError, hasUnsafeCharacters, inputProblem, introspectionEnabled, loadConfig } from '../src';
import { journalProblem } from '../../subgraphs/matching/src/app/sequencer';

describe('inputProblem', () => {
  it('refuses nesting far beyond the stack without recursing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i += 1) deep = [deep];
    expect(inputProblem({ a: deep })).toMatch(/nested deeper than 32/);
    let objects: unknown = 1;
    for (let i = 0; i < 200_000; i += 1) objects = { a: objects };
    expect(inputProblem(objects)).toMatch(/nested deeper/);
  });

  it('refuses too many values, and unsafe strings and keys anywhere', () => {
    expect(inputProblem({ a: Array.from({ length: 30_000 }, () => 1) })).toMatch(/more than 20000 values/);
    expect(inputProblem({ a: [{ b: 'x\u0000' }] })).toMatch(/control character/);
    expect(inputProblem({ ['k\u0001']: 1 })).toMatch(/key/);
    expect(inputProblem({ a: ['fine', 'line\nbreak', 'tab\t', 'emoji 💥', 'ünïcode'] })).toBeNull();
  });

  it.each([
    ['\u0000', true],
    ['\u001f', true],
    ['\u007f', true],
    ['\ud800', true],
    ['a\udc00', true],
    ['\ud83d\udca5', false],
    ['\t\n\r', false],
    ['plain', false],
  ])('hasUnsafeCharacters(%j) is %s', (text, unsafe) => {
    expect(hasUnsafeCharacters(text)).toBe(unsafe);
  });
});

describe('journalProblem', () => {
  it('refuses a command the journal could not store, before the engine sees it', () => {
    expect(journalProblem({ type: 'CancelOrder', user: 'u', clientOrderId: 'a\u0000' })).toMatch(/control characters/);
    expect(journalProblem({ type: 'PlaceOrder', legs: [{ clientOrderId: '\ud800' }] })).toMatch(/surrogates/);
    expect(journalProblem({ type: 'PlaceOrder', user: 'u', clientOrderId: 'ok-1', price: 5 })).toBeNull();
  });
});

describe('formatClientError', () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const format = formatClientError({ logger, suggestions: false });

  it('answers internal errors with an id only, and logs them whole under that id', () => {
    const sql = new Error('insert into accounts.users (email, password_hash) values ($1, $2) - invalid byte sequence');
    const formatted = format({ message: sql.message, path: ['signUp'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, new GraphQLError(sql.message, { originalError: sql }));
    expect(formatted.message).toMatch(/^Internal error \(id [0-9a-f-]{36}\)$/);
    expect(formatted.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.any(String) });
    expect(formatted.path).toEqual(['signUp']);
    expect(lines.join('\n')).toContain(formatted.extensions!.errorId as string);
    expect(lines.join('\n')).toContain('password_hash');
  });

  it('masks errors without a code, keeps a subgraph error id, strips internals and suggestions', () => {
    expect(format({ message: 'boom at /work/x.ts:1:2' }, new Error('boom')).message).toMatch(/^Internal error/);
    const fromSubgraph = { message: 'Internal error (id abc)', extensions: { code: 'INTERNAL_SERVER_ERROR', errorId: 'abc' } };
    expect(format(fromSubgraph, undefined)).toMatchObject({ message: 'Internal error (id abc)', extensions: { errorId: 'abc' } });
    const refused = format(
      { message: 'Cannot query field "nme" on type "User". Did you mean "name"?', extensions: { code: 'GRAPHQL_VALIDATION_FAILED', response: { url: 'http://x' }, stacktrace: ['a'] } },
      undefined,
    );
    expect(refused).toEqual({ message: 'Cannot query field "nme" on type "User".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(format({ message: 'x', extensions: { code: 'BAD_USER_INPUT', field: 'price', serviceName: 'matching' } }, undefined).extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'price',
      serviceName: 'matching',
    });
  });

  it('turns introspection off by default in production only', () => {
    expect(introspectionEnabled(loadConfig({}))).toBe(true);
    expect(introspectionEnabled(loadConfig({ NODE_ENV: 'production' }))).toBe(false);
    expect(introspectionEnabled(loadConfig({ NODE_ENV: 'production', INTROSPECTION: 'on' }))).toBe(true);
    expect(introspectionEnabled(loadConfig({ INTROSPECTION: 'off' }))).toBe(false);
    expect(() => introspectionEnabled(loadConfig({ INTROSPECTION: 'maybe' }))).toThrow();
  });
});
