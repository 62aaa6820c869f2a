import type http from 'node:http';
import { Agent, errors as undiciErrors } from 'undici';
import type { Fetcher, FetcherHeaders, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { INTERNAL_TOKEN_HEADER, internalApiToken } from '@tradegraph/shared';

/**
 * The gateway's HTTP client for subgraph fetches: undici over keep-alive connections.
 * @apollo/gateway's default (make-fetch-happen) opens a fresh connection per fetch and runs each
 * through retry, cache-policy and agent layers; profiling put it at about a sixth of the
 * gateway's CPU. node's own `http.request` over a keep-alive agent was the next step; undici
 * does the same work in about 60 % of its CPU (40 against 64–75 µs per request in a
 * micro-benchmark on this machine), which matters when a forwarded mutation is little else.
 * Subgraphs are plain HTTP next door, so no caching or retry layers are needed.
 */
export interface SubgraphHttpClient {
  /** Sends a request; a query whose kept-alive connection was closed under it is sent once more. */
  fetch: Fetcher;
  /**
   * Sends a request once, whatever happens to its connection (a batch, which may hold mutations),
   * and resolves as soon as the response's head is in: its body is read as it arrives.
   */
  open(url: string, init: FetcherRequestInit): Promise<StreamedResponse>;
}

/** A response whose body is still arriving. */
export interface StreamedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: AsyncIterable<Buffer> & { text(): Promise<string> };
}

export function keepAliveClient(options: { connections?: number; idleMs?: number } = {}): SubgraphHttpClient {
  const agent = new Agent({
    connections: options.connections ?? 256,
    // An idle connection is dropped before the subgraph's server would close it (node's default
    // keepAliveTimeout is 5 s), so a request is rarely written into a connection being closed.
    keepAliveTimeout: options.idleMs ?? 4000,
    keepAliveMaxTimeout: options.idleMs ?? 4000,
  });
  const fetch: Fetcher = async (url, init = {}) => {
    try {
      return await send(agent, url, init);
    } catch (error) {
      // Should the server close a kept-alive connection just as a request went out anyway, the
      // request is sent once more on another. Queries only: they may safely run twice, and a
      // mutation whose fate is not certain is never resent.
      if (!isConnectionClosed(error) || isMutationBody(init.body)) throw error;
      return send(agent, url, init);
    }
  };
  const open = async (url: string, init: FetcherRequestInit): Promise<StreamedResponse> => {
    const response = await agent.request(requestOptions(url, init));
    return { status: response.statusCode, headers: response.headers as http.IncomingHttpHeaders, body: response.body };
  };
  return { fetch, open };
}

/** Whether a request failed because its connection closed under it (it may never have reached the server, or may have). */
export function isConnectionClosed(error: unknown): boolean {
  return error instanceof undiciErrors.SocketError;
}

/** Whether an operation's text is a mutation (the gateway's own fetches hold one operation each). */
export function isMutationText(query: string): boolean {
  return /^\s*mutation\b/.test(query);
}

/** Whether a GraphQL POST body (as the gateway writes them: JSON with `query` first) holds a mutation. */
export function isMutationBody(body: unknown): boolean {
  return /^\s*\{\s*"query"\s*:\s*"\s*mutation\b/.test(String(body ?? ''));
}

/** Parsed subgraph URLs: a handful of them, each fetched thousands of times. */
const targets = new Map<string, URL>();
function targetOf(url: string): URL {
  let target = targets.get(url);
  if (!target) {
    target = new URL(url);
    if (targets.size < 100) targets.set(url, target);
  }
  return target;
}

function requestOptions(url: string, init: FetcherRequestInit) {
  const target = targetOf(url);
  if (target.protocol !== 'http:') throw new Error(`keepAliveClient speaks plain http, not ${target.protocol}`);
  return {
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
    method: (init.method ?? 'GET') as 'GET',
    headers: withInternalToken(init.headers),
    body: init.body,
    signal: init.signal as AbortSignal | undefined,
  };
}

/**
 * Every request to a subgraph carries the internal credential (shared internal-token.ts): this
 * client is the one way the gateway's HTTP reaches subgraphs — the executor's fetches, forwarded
 * mutations, batches — so it is added here, once, rather than where each request is built.
 */
function withInternalToken(headers: FetcherRequestInit['headers'] | Iterable<[string, string]> | undefined): Record<string, string> {
  const plain: Record<string, string> = {};
  if (headers) {
    // The executor's data sources pass a Headers object, typed as a record.
    const entries = Symbol.iterator in headers ? (headers as Iterable<[string, string]>) : Object.entries(headers);
    for (const [name, value] of entries) if (typeof value === 'string') plain[name] = value;
  }
  plain[INTERNAL_TOKEN_HEADER] = internalApiToken();
  return plain;
}

async function send(agent: Agent, url: string, init: FetcherRequestInit): Promise<FetcherResponse> {
  const response = await agent.request(requestOptions(url, init));
  const body = Buffer.from(await response.body.arrayBuffer());
  return bufferedResponse(url, response.statusCode, response.statusText ?? '', response.headers, body);
}

/** A response already received in full (a subgraph's answer inside a batch), in the Fetch API's shape. */
export function textResponse(url: string, status: number, headers: http.IncomingHttpHeaders, text: string): FetcherResponse {
  return bufferedResponse(url, status, '', headers, text);
}

/** A response whose body is all here, as bytes (read off a socket) or as text (a batch's answer, kept as it came). */
function bufferedResponse(url: string, status: number, statusText: string, raw: http.IncomingHttpHeaders, body: Buffer | string): FetcherResponse {
  const headers = new NodeHeaders(raw);
  let used = false;
  const take = () => {
    used = true;
    return typeof body === 'string' ? body : body.toString('utf8');
  };
  const response: FetcherResponse = {
    get bodyUsed() {
      return used;
    },
    url,
    redirected: false,
    status,
    ok: status >= 200 && status < 300,
    statusText,
    headers,
    text: async () => take(),
    json: async () => JSON.parse(take()),
    arrayBuffer: async () => {
      used = true;
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
    clone: () => bufferedResponse(url, status, statusText, raw, body),
  };
  return response;
}

/**
 * Headers in the Fetch API's shape over node's parsed (lower-cased) header object: subgraph
 * responses here, and the request and response heads the gateway's lean path gives the executor.
 */
export class NodeHeaders implements FetcherHeaders {
  private readonly map = new Map<string, string>();
  constructor(raw: http.IncomingHttpHeaders = {}) {
    for (const [name, value] of Object.entries(raw)) {
      if (value !== undefined) this.map.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
  }
  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const existing = this.map.get(key);
    this.map.set(key, existing === undefined ? value : `${existing}, ${value}`);
  }
  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}
