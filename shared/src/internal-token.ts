import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingHttpHeaders } from 'node:http';
import { config, dataDir } from './config';
import { JWKS_PATH } from './contracts/accounts-sessions';

/**
 * The credential of the system's own processes towards each other. Every subgraph endpoint
 * (GraphQL over HTTP, the gateway's batches, graphql-ws) and every internal route (accounts'
 * API-key exchange and audit log, matching's trades, markets' listing and exports) refuses a
 * request without it, whatever address it comes from: a subgraph believes what the caller says
 * about the client (its address, for rate limits and API-key allow-lists) and answers entity
 * lookups by id, so only the gateway and the system's own processes may call it.
 *
 * The token is INTERNAL_API_TOKEN when set (set the same value on every process of a deployment
 * whose processes do not share a disk, e.g. docker-compose.yml). Otherwise it is generated once
 * per installation and kept in DATA_DIR/internal-api-token, readable only by its owner; the
 * processes of `npm start` share it through that file.
 */
export const INTERNAL_TOKEN_HEADER = 'x-internal-token';

const TOKEN_FILE = 'internal-api-token';
let token: string | undefined;

export function internalApiToken(): string {
  if (token) return token;
  token = config().INTERNAL_API_TOKEN ?? tokenFromDataDir();
  return token;
}

/** Reads the installation's token, or makes it; several processes starting at once agree on one. */
function tokenFromDataDir(): string {
  const dir = path.resolve(dataDir());
  const file = path.join(dir, TOKEN_FILE);
  const read = () => {
    const text = fs.readFileSync(file, 'utf8').trim();
    if (text.length < 32) throw new Error(`${file} holds no usable token; delete it to make a new one`);
    return text;
  };
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(dir, { recursive: true });
  // Written in full under a private name, then linked into place: link fails when another
  // process got there first, and nobody ever reads a half-written file.
  const draft = path.join(dir, `${TOKEN_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
  fs.writeFileSync(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  try {
    fs.linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(draft, { force: true });
  }
  return read();
}

/** The headers an internal caller adds to its request. */
export function internalHeaders(): Record<string, string> {
  return { [INTERNAL_TOKEN_HEADER]: internalApiToken() };
}

/** Whether a request carries the internal credential (compared in constant time). */
export function isInternalCaller(headers: IncomingHttpHeaders): boolean {
  const given = headers[INTERNAL_TOKEN_HEADER];
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(internalApiToken());
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Paths of a subgraph anyone who can reach it may ask: liveness, metrics for a scraper, and the
 * public keys that verify access tokens. Everything else needs the internal credential.
 */
export function isOpenSubgraphPath(url: string | undefined): boolean {
  const pathname = (url ?? '').split('?')[0];
  return pathname === '/health' || pathname === '/ready' || pathname === '/metrics' || pathname === JWKS_PATH;
}

/** The answer to a request without the credential: GraphQL-shaped JSON, nothing about why beyond that. */
export const INTERNAL_REFUSAL = JSON.stringify({
  errors: [{ message: 'This endpoint is internal; call the gateway', extensions: { code: 'UNAUTHENTICATED' } }],
});

/** Where subgraph processes listen (BIND_HOST): loopback unless told otherwise (containers set 0.0.0.0). */
export function bindHost(): string {
  return config().BIND_HOST;
}

/**
 * Starts `server` listening on `port` at bindHost(), rejecting when it cannot (a port in use):
 * the process then stops with that error instead of waiting forever — a WebSocket server
 * attached to `server` takes its 'error' events and only logs them.
 */
export function listenOnBindHost(server: import('node:http').Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bindHost(), () => {
      server.off('error', reject);
      resolve();
    });
  });
}
