import { gql } from './client';
import { GATEWAY_HTTP, PORT_BASE } from './env';

/**
 * Tools of the hostile-input suites (test/e2e/hostile-*.test.ts): raw requests, and the checks
 * every answer to a hostile request must pass — no 5xx, JSON not HTML, nothing of the inside
 * (stacks, SQL, file paths, internal addresses, hashes).
 */
export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
  json: any;
}

export async function raw(
  body: string | Buffer | undefined,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  options: { method?: string; path?: string; url?: string } = {},
): Promise<RawAnswer> {
  const url = options.url ?? (options.path ? GATEWAY_HTTP.replace(/\/graphql$/, options.path) : GATEWAY_HTTP);
  const response = await fetch(url, { method: options.method ?? 'POST', headers, body, redirect: 'manual' });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, json };
}

/** A GraphQL POST with the given body object (or text), returning the raw answer. */
export function post(body: unknown, token?: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return raw(typeof body === 'string' ? body : JSON.stringify(body), {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...headers,
  });
}

/** Internal addresses of the test system: every subgraph's port on loopback. */
const INTERNAL_PORTS = [1, 2, 3, 4, 5, 6].map((offset) => String(PORT_BASE + offset));

/** What must never appear in an answer to a client, with a name for the failure message. */
const LEAKS: [string, RegExp][] = [
  ['stack trace', /\n\s+at \S|\bat (?:async )?[\w.<>]+ \([^)]*:\d+:\d+\)/],
  ['file path', /(?:\/(?:work|home|usr|opt|app|root|tmp)\/|node_modules|\.(?:ts|js|mjs|cjs):\d+)/],
  ['SQL', /\b(?:insert into|select .{1,200} from|update \S+ set|delete from|violates \S+ constraint|syntax error at|invalid byte sequence|unsupported Unicode escape|jsonb?_to_recordset|relation "\w+)/i],
  ['internal address', new RegExp(`(?:127\\.0\\.0\\.1|localhost|0\\.0\\.0\\.0):(?:${INTERNAL_PORTS.join('|')})|/graphql/batch`)],
  ['HTML', /<!DOCTYPE|<html|<pre>/i],
  ['hash', /\$argon2|secret_hash|password_hash/],
  ['subgraph answer', /"response"\s*:\s*\{|"stacktrace"|"exception"/],
];

/** The names of the leaks found in `text` (empty when clean). */
export function leaksIn(text: string): string[] {
  return LEAKS.filter(([, pattern]) => pattern.test(text)).map(([name]) => name);
}

/**
 * The common verdict on an answer to a hostile request: not a server error, JSON, clean, and
 * (unless `maySucceed`) refused with an error whose code is one of `codes` (any code when not
 * given). Returns a list of problems, empty when it passes, so a failing case says all of them.
 */
export function verdict(answer: RawAnswer, expect: { codes?: string[]; maySucceed?: boolean; statuses?: number[] } = {}): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`status ${answer.status}`);
  if (expect.statuses && !expect.statuses.includes(answer.status)) problems.push(`status ${answer.status}, wanted ${expect.statuses.join('/')}`);
  if (!answer.contentType.includes('json')) problems.push(`content type ${answer.contentType}`);
  for (const leak of leaksIn(answer.text)) problems.push(`leaks a ${leak}: ${answer.text.slice(0, 300)}`);
  if (!expect.maySucceed) {
    const errors: any[] = answer.json?.errors ?? [];
    if (errors.length === 0) problems.push(`accepted: ${answer.text.slice(0, 300)}`);
    const codes = errors.map((error) => error?.extensions?.code);
    if (codes.includes('INTERNAL_SERVER_ERROR')) problems.push(`internal error: ${answer.text.slice(0, 300)}`);
    if (expect.codes && !codes.some((code) => expect.codes!.includes(code))) problems.push(`codes ${codes.join(',')}, wanted ${expect.codes.join('/')}`);
    // A refused mutation or query field never comes with data for it.
    const data = answer.json?.data;
    if (data && Object.values(data).some((value) => value !== null)) problems.push(`data with the refusal: ${JSON.stringify(data).slice(0, 200)}`);
  }
  return problems;
}

/** The balances of a user, as a comparable object. */
export async function balancesOf(token: string): Promise<Record<string, string>> {
  const result = await gql('{ myBalances { asset available locked } }', {}, { token });
  if (!result.data) throw new Error(`myBalances failed: ${JSON.stringify(result.errors)}`);
  return Object.fromEntries(result.data.myBalances.map((b: any) => [b.asset, `${b.available}/${b.locked}`]));
}

/**
 * The system still answers: the gateway serves a query that reaches markets and matching, and
 * matching takes (and cancels) an order, so a journal write has happened after the hostile ones.
 */
export async function stillServes(token: string): Promise<void> {
  const book = await gql('{ orderBook(market: "BTC-USDT", depth: 1) { sequence } markets(first: 1) { edges { node { symbol } } } }');
  if (!book.data?.orderBook || !book.data?.markets) throw new Error(`the gateway no longer answers: ${JSON.stringify(book)}`);
  const clientOrderId = `alive-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const placed = await gql(
    'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }',
    { input: { market: 'BTC-USDT', side: 'buy', type: 'limit', price: '100', quantity: '0.1', clientOrderId } },
    { token },
  );
  if (!placed.data?.placeOrder) throw new Error(`matching no longer takes orders: ${JSON.stringify(placed)}`);
  const cancelled = await gql('mutation ($c: String!) { cancelOrder(clientOrderId: $c) { status } }', { c: clientOrderId }, { token });
  if (cancelled.data?.cancelOrder?.status !== 'cancelled') throw new Error(`matching no longer cancels: ${JSON.stringify(cancelled)}`);
}
