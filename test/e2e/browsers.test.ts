// What a browser front end on its own origin, and any client on a slow link, get from the gateway:
// CORS for the configured origins only (checked in a real headless Chromium), compression above
// a threshold as Accept-Encoding asks, and CSRF prevention for requests a foreign page could send
// without a preflight. The test system allows the origin http://127.0.0.1:<port base + 98>
// (test/harness/system.js); this file serves a front-end page there and on +99, another origin.
// (Real servers on loopback, not pages Chromium makes up: Chromium asks the user before a page of
// unknown address calls a loopback one.)
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Redis from 'ioredis';
import { chromium, type Browser } from 'playwright-core';
import { eventually } from '../harness/client';
import { GATEWAY_HTTP, GATEWAY_URL, PORT_BASE, REDIS_URL, busChannel } from '../harness/env';

const CHROMIUM_PATH = '/usr/bin/chromium';
const ALLOWED_ORIGIN = `http://127.0.0.1:${PORT_BASE + 98}`;
const OTHER_ORIGIN = `http://127.0.0.1:${PORT_BASE + 99}`;
const INTROSPECTION = JSON.stringify({ query: '{ __schema { types { name kind description } } }' });
const TYPENAME = JSON.stringify({ query: '{ __typename }' });

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request with exactly the headers given (fetch would add Accept-Encoding and decompress). */
function request(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawResponse> {
  const url = new URL(GATEWAY_URL);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        agent: false,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
const postJson = (body: string, headers: Record<string, string> = {}) =>
  request('POST', '/graphql', { 'content-type': 'application/json', ...headers }, body);
const decoded = (response: RawResponse) => {
  const encoding = response.headers['content-encoding'];
  const bytes = encoding === 'br' ? brotliDecompressSync(response.body) : encoding === 'gzip' ? gunzipSync(response.body) : response.body;
  return JSON.parse(bytes.toString('utf8'));
};

describe('CORS', () => {
  let browser: Browser;
  const frontEnds: http.Server[] = [];
  beforeAll(async () => {
    for (const origin of [ALLOWED_ORIGIN, OTHER_ORIGIN]) {
      const server = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>front end</title>');
      });
      await new Promise<void>((resolve) => server.listen(Number(new URL(origin).port), '127.0.0.1', resolve));
      frontEnds.push(server);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    for (const server of frontEnds) await new Promise((resolve) => server.close(resolve));
  });

  /** Runs a cross-origin fetch of the gateway from a page on `origin` (served by this file) and says what the page saw. */
  async function fetchFrom(
    origin: string,
    headers: Record<string, string>,
  ): Promise<{ ok: true; data: unknown; requestId: string | null } | { ok: false; error: string }> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      const script = `fetch(${JSON.stringify(GATEWAY_HTTP)}, { method: 'POST', headers: ${JSON.stringify(headers)}, body: ${JSON.stringify(TYPENAME)} })
        .then(async (r) => ({ ok: true, data: (await r.json()).data, requestId: r.headers.get('x-request-id') }), (e) => ({ ok: false, error: String(e) }))`;
      return (await page.evaluate(script)) as never;
    } finally {
      await context.close();
    }
  }

  it('lets a page on a listed origin call the gateway, with a preflight, and blocks a page on another origin', async () => {
    // application/json and Authorization make the browser send a preflight first.
    const allowed = await fetchFrom(ALLOWED_ORIGIN, {
      'content-type': 'application/json',
      authorization: 'Bearer not-a-token-but-allowed-through-cors',
    });
    // The bad token is the gateway's business: CORS let the page read the answer either way.
    expect(allowed).toMatchObject({ ok: true });
    const plain = await fetchFrom(ALLOWED_ORIGIN, { 'content-type': 'application/json' });
    expect(plain).toEqual({ ok: true, data: { __typename: 'Query' }, requestId: expect.any(String) });
    const blocked = await fetchFrom(OTHER_ORIGIN, { 'content-type': 'application/json' });
    expect(blocked.ok).toBe(false);
  }, 60000);

  it('answers a preflight with 204, the allowed methods and headers, and Vary: Origin', async () => {
    const preflight = await request('OPTIONS', '/graphql', {
      origin: ALLOWED_ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, apollo-require-preflight',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    const allowedHeaders = String(preflight.headers['access-control-allow-headers']).split(',');
    for (const name of ['authorization', 'content-type', 'apollo-require-preflight', 'x-api-key']) expect(allowedHeaders).toContain(name);
    expect(preflight.headers['access-control-max-age']).toBe('600');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    expect(preflight.headers.vary).toMatch(/Origin/);

    const foreign = await request('OPTIONS', '/graphql', { origin: OTHER_ORIGIN, 'access-control-request-method': 'POST' });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('adds CORS headers to answers only for a listed Origin, on the fast path and the pipeline alike', async () => {
    const fast = await postJson(TYPENAME, { origin: ALLOWED_ORIGIN });
    expect(fast.status).toBe(200);
    expect(fast.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(fast.headers['access-control-expose-headers']).toContain('x-request-id');
    expect(fast.headers.vary).toMatch(/Origin/);
    const pipeline = await request('GET', `/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      origin: ALLOWED_ORIGIN,
      'apollo-require-preflight': 'true',
    });
    expect(pipeline.status).toBe(200);
    expect(pipeline.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    const foreign = await postJson(TYPENAME, { origin: OTHER_ORIGIN });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    // Without an Origin (same-origin pages' GETs, servers, curl) nothing is added.
    const none = await postJson(TYPENAME);
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
    expect(none.headers.vary).toBeUndefined();
  });
});

describe('compression', () => {
  it('compresses large answers with brotli or gzip as Accept-Encoding asks, on the fast path and the pipeline', async () => {
    const identity = await postJson(INTROSPECTION);
    expect(identity.status).toBe(200);
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.headers.vary).toBe('Accept-Encoding');
    const expected = JSON.parse(identity.body.toString('utf8'));
    expect(expected.data.__schema.types.length).toBeGreaterThan(50);

    for (const [accept, encoding] of [
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0, gzip', 'gzip'],
      ['identity', undefined],
    ] as const) {
      const fast = await postJson(INTROSPECTION, { 'accept-encoding': accept });
      expect(fast.headers['content-encoding']).toBe(encoding);
      expect(decoded(fast)).toEqual(expected);
      if (encoding) expect(fast.body.length).toBeLessThan(identity.body.length / 3);

      const get = await request('GET', `/graphql?query=${encodeURIComponent('{ __schema { types { name kind description } } }')}`, {
        'accept-encoding': accept,
        'apollo-require-preflight': 'true',
      });
      expect(get.status).toBe(200);
      expect(get.headers['content-encoding']).toBe(encoding);
      expect(decoded(get)).toEqual(expected);
    }
  });

  it('leaves answers below the threshold uncompressed', async () => {
    const small = await postJson(TYPENAME, { 'accept-encoding': 'br, gzip' });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(decoded(small)).toEqual({ data: { __typename: 'Query' } });
    const get = await request('GET', `/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      'accept-encoding': 'br, gzip',
      'apollo-require-preflight': 'true',
    });
    expect(get.headers['content-encoding']).toBeUndefined();
  });

  it('compresses a CSV export as it streams', async () => {
    // Ticks on a day long past (as history-export.test.ts does, on another day), enough for an
    // export above the threshold.
    const market = 'USDC-USDT';
    const day = '2025-03-11';
    const redis = new Redis(REDIS_URL);
    try {
      for (let i = 0; i < 60; i += 1) {
        const at = new Date(Date.parse(`${day}T00:00:00.000Z`) + i * 1000).toISOString();
        await redis.publish(busChannel(`markets.price.${market}`), JSON.stringify({ market, price: `1.${String(1000 + i)}`, at }));
      }
    } finally {
      await redis.quit();
    }
    const path = `/export/ticks.csv?market=${market}&from=${day}T00:00:00.000Z&to=${day}T00:10:00.000Z`;
    const plain = await eventually(async () => {
      const answer = await request('GET', path);
      expect(answer.body.toString('utf8').trim().split('\n')).toHaveLength(61);
      return answer;
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(1024);
    const gzipped = await request('GET', path, { 'accept-encoding': 'gzip' });
    expect(gzipped.headers['content-type']).toMatch(/^text\/csv/);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.body).toString('utf8')).toBe(plain.body.toString('utf8'));
  });

  it('serves the playground bundle compressed', async () => {
    const script = await request('GET', '/playground/app.js', { 'accept-encoding': 'br' });
    expect(script.status).toBe(200);
    expect(script.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(script.body).length).toBeGreaterThan(script.body.length * 3);
  });
});

describe('CSRF prevention', () => {
  const refused = (response: RawResponse) => {
    expect(response.status).toBe(400);
    const body = JSON.parse(response.body.toString('utf8'));
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(body.errors[0].message).toMatch(/Cross-Site Request Forgery/);
  };

  it('refuses GETs and form-like POSTs that carry nothing forcing a preflight, with BAD_REQUEST', async () => {
    const query = `/graphql?query=${encodeURIComponent('{ __typename }')}`;
    refused(await request('GET', query, { accept: 'application/json' }));
    refused(await request('POST', '/graphql', { 'content-type': 'text/plain' }, TYPENAME));
    refused(await request('POST', '/graphql', { 'content-type': 'application/x-www-form-urlencoded' }, 'query=%7B__typename%7D'));
    refused(await request('POST', '/graphql', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--'));
  });

  it('runs them with a preflight-forcing header, and JSON POSTs always', async () => {
    const query = `/graphql?query=${encodeURIComponent('{ __typename }')}`;
    for (const name of ['apollo-require-preflight', 'x-apollo-operation-name']) {
      const ok = await request('GET', query, { [name]: 'yes' });
      expect(ok.status).toBe(200);
      expect(decoded(ok)).toEqual({ data: { __typename: 'Query' } });
    }
    const json = await postJson(TYPENAME);
    expect(decoded(json)).toEqual({ data: { __typename: 'Query' } });
  });
});
