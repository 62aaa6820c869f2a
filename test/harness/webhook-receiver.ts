import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request a test receiver got. */
export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { id: string; type: string; createdAt: string; data: Record<string, any> };
}

/** What the receiver answers a request on `path` with (default 200 "ok"). */
export type Answer = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };

/**
 * A real HTTP server on a free loopback port that records every webhook request. `answer(path,
 * n)` decides the reply to the n-th request (1-based) on that path.
 */
export async function startReceiver(answer: (path: string, n: number, received: Received) => Answer = () => ({ status: 200 }), port = 0) {
  const received: Received[] = [];
  const counts = new Map<string, number>();
  const open = new Map<string, number>();
  const mostOpen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const opened = req.url ?? '/';
    open.set(opened, (open.get(opened) ?? 0) + 1);
    mostOpen.set(opened, Math.max(mostOpen.get(opened) ?? 0, open.get(opened)!));
    res.once('close', () => open.set(opened, open.get(opened)! - 1));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Received['json'];
      try {
        json = JSON.parse(body);
      } catch {
        json = { id: '', type: '', createdAt: '', data: {} };
      }
      const path = req.url ?? '/';
      const entry: Received = { path, headers: req.headers, body, json };
      received.push(entry);
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      const reply = answer(path, n, entry);
      const send = () => res.writeHead(reply.status, { 'content-type': 'text/plain', ...(reply.headers ?? {}) }).end(reply.body ?? 'ok');
      // Unref: a reply held past the test (a worker killed mid-request) does not keep jest alive.
      if (reply.delayMs) setTimeout(send, reply.delayMs).unref();
      else send();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    port: actualPort,
    url: (path: string) => `http://127.0.0.1:${actualPort}${path}`,
    received,
    on: (path: string) => received.filter((r) => r.path === path),
    /** The most requests on `path` the receiver had open at one time. */
    mostOpen: (path: string) => mostOpen.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The README's verification snippet, as a receiver would write it: refuses a request whose
 * signature does not match or whose timestamp is more than `toleranceSeconds` away.
 */
export function verifyTradegraphSignature(rawBody: string, header: string, secret: string, toleranceSeconds = 300): boolean {
  const items = header.split(',').map((part) => part.split('='));
  const timestamp = Number(items.find(([key]) => key === 't')?.[1]);
  if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(crypto.createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex'));
  return items.some(([key, value]) => {
    const given = Buffer.from(value ?? '');
    return key === 'v1' && given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}

/** Waits until `check` returns a truthy value (polling), or fails after `timeoutMs` saying what it waited for. */
export async function until<T>(what: string, check: () => Promise<T> | T, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
