import type { IncomingMessage, ServerResponse } from 'node:http';
import { pickEncoding } from '../src/edge/compression';
import { isCsrfSuspect } from '../src/edge/csrf';
import { configuredCors } from '../src/edge/cors';

describe('pickEncoding', () => {
  it.each([
    ['gzip, deflate, br', 'br'],
    ['br', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['BR;Q=0.5, GZIP;q=1', 'br'],
    ['br;q=0, gzip;q=0', null],
    ['*', 'br'],
    ['br;q=0, *', 'gzip'],
    ['identity', null],
    ['deflate', null],
  ])('%s → %s', (header, expected) => {
    expect(pickEncoding(header)).toBe(expected);
  });
});

describe('isCsrfSuspect', () => {
  it('suspects GETs and form-like POSTs without a preflight-forcing header', () => {
    expect(isCsrfSuspect('GET', {})).toBe(true);
    expect(isCsrfSuspect('POST', { 'content-type': 'text/plain;charset=UTF-8' })).toBe(true);
    expect(isCsrfSuspect('POST', { 'content-type': 'multipart/form-data; boundary=x' })).toBe(true);
    // Authorization alone proves nothing: a browser can attach HTTP authentication by itself.
    expect(isCsrfSuspect('GET', { authorization: 'Basic eDp5' })).toBe(true);
    expect(isCsrfSuspect('GET', { 'apollo-require-preflight': '' })).toBe(true);
  });
  it('lets through what a browser preflights', () => {
    expect(isCsrfSuspect('POST', { 'content-type': 'application/json' })).toBe(false);
    expect(isCsrfSuspect('GET', { 'apollo-require-preflight': 'true' })).toBe(false);
    expect(isCsrfSuspect('GET', { 'x-graphql-event-stream-token': 't' })).toBe(false);
    expect(isCsrfSuspect('GET', { 'x-api-key': 'k' })).toBe(false);
    expect(isCsrfSuspect('PUT', {})).toBe(false);
    expect(isCsrfSuspect('DELETE', {})).toBe(false);
  });
});

describe('configuredCors', () => {
  const settings = (values: Record<string, unknown>) => ({ CORS_MAX_AGE_SECONDS: 600, ...values }) as never;
  /** A request through the CORS check: whether it went on, and the headers it got. */
  function run(check: NonNullable<ReturnType<typeof configuredCors>>, method: string, origin: string) {
    const headers = new Map<string, unknown>();
    const res = {
      statusCode: 200,
      getHeader: (name: string) => headers.get(name.toLowerCase()),
      setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), value),
      end: () => undefined,
    };
    const req = { method, headers: { origin, 'access-control-request-method': 'POST' } };
    const goesOn = check(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    return { goesOn, status: res.statusCode, headers };
  }

  it('is off unless origins are configured', () => {
    expect(configuredCors(settings({}))).toBeNull();
    expect(configuredCors(settings({ CORS_ORIGINS: ' , ' }))).toBeNull();
  });

  it('allows listed origins only, without credentials by default', () => {
    const check = configuredCors(settings({ CORS_ORIGINS: 'https://app.example.com/, https://other.example.com' }))!;
    const listed = run(check, 'POST', 'https://app.example.com');
    expect(listed.goesOn).toBe(true);
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(listed.headers.get('access-control-allow-credentials')).toBeUndefined();
    expect(listed.headers.get('vary')).toBe('Origin');
    const unlisted = run(check, 'POST', 'https://evil.example.com');
    expect(unlisted.goesOn).toBe(true);
    expect(unlisted.headers.get('access-control-allow-origin')).toBeUndefined();
    const preflight = run(check, 'OPTIONS', 'https://app.example.com');
    expect(preflight.goesOn).toBe(false);
    expect(preflight.status).toBe(204);
  });

  it('echoes the origin for * when credentials are on, as browsers require', () => {
    const any = run(configuredCors(settings({ CORS_ORIGINS: '*' }))!, 'POST', 'https://x.example.com');
    expect(any.headers.get('access-control-allow-origin')).toBe('*');
    const credentialed = run(configuredCors(settings({ CORS_ORIGINS: '*', CORS_CREDENTIALS: true }))!, 'POST', 'https://x.example.com');
    expect(credentialed.headers.get('access-control-allow-origin')).toBe('https://x.example.com');
    expect(credentialed.headers.get('access-control-allow-credentials')).toBe('true');
  });
});
