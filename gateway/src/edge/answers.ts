import type { ServerResponse } from 'node:http';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { REQUEST_ID_HEADER } from '@tradegraph/shared';
import { PublicResponseCache } from '../cache/response-cache';
import type { Encoding } from './compression';

// How the fast path writes its answers: byte for byte what Apollo Server's pipeline behind express
// would have sent for the same request.

export const APPLICATION_JSON = 'application/json; charset=utf-8';
export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';
/**
 * The response content type Apollo Server negotiates for common `Accept` headers (none, curl's,
 * fetch's, Apollo Client's). Other values go through the pipeline, which negotiates in full.
 */
export const CONTENT_TYPE_FOR_ACCEPT = new Map<string, string>([
  ['', APPLICATION_JSON],
  ['*/*', APPLICATION_JSON],
  ['application/json', APPLICATION_JSON],
  ['application/json, */*', APPLICATION_JSON],
  ['application/graphql-response+json, application/json', GRAPHQL_RESPONSE_JSON],
  ['application/graphql-response+json,application/json;q=0.9', GRAPHQL_RESPONSE_JSON],
  ['application/graphql-response+json, application/json;q=0.9', GRAPHQL_RESPONSE_JSON],
]);

/**
 * An execution error as Apollo Server formats it (errorNormalize.ts there): a code for every
 * error (INTERNAL_SERVER_ERROR when it has none), `extensions.http` taken out into the response's
 * status and headers, no stack traces.
 */
export function formatExecutionError(maybeError: unknown, http: { status?: number; headers: [string, string][] }): GraphQLFormattedError {
  const error =
    maybeError instanceof GraphQLError
      ? maybeError
      : maybeError instanceof Error
        ? new GraphQLError(maybeError.message, { originalError: maybeError })
        : new GraphQLError(`Unexpected error value: ${String(maybeError)}`);
  const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
  const head = extensions.http as { status?: unknown; headers?: unknown } | undefined;
  if (
    !!head &&
    typeof head === 'object' &&
    (!('status' in head) || typeof head.status === 'number') &&
    (!('headers' in head) || head.headers instanceof Map)
  ) {
    if (head.status) http.status = head.status as number;
    if (head.headers) for (const [name, value] of head.headers as Map<string, string>) http.headers.push([name, value]);
    delete extensions.http;
  }
  return { ...error.toJSON(), extensions };
}

/** What `writeAnswer` writes. */
export interface Answer {
  status: number;
  headers: [string, string][];
  reqId: string;
  cacheControl: string;
  contentType: string;
  bytes: Buffer;
  etag?: string;
  /** Set when `bytes` are compressed with it (edge/compression.ts). */
  encoding?: Encoding;
  /** The answer is large enough that its encoding depends on Accept-Encoding (Vary). */
  varies?: boolean;
}

/**
 * Writes an answer with the headers the pipeline sends through express, in its order: any the
 * errors asked for, the request id, cache-control, then express's content type, length and ETag.
 */
export function writeAnswer(
  res: ServerResponse,
  answer: Answer,
): void {
  const etag = answer.etag ?? PublicResponseCache.etag(answer.bytes);
  if (answer.varies) {
    // A CORS answer has set Vary: Origin already: kept beside Accept-Encoding.
    const vary = res.getHeader('vary');
    res.setHeader('Vary', vary ? `${String(vary)}, Accept-Encoding` : 'Accept-Encoding');
    if (answer.encoding) res.setHeader('Content-Encoding', answer.encoding);
  }
  if (answer.headers.length === 0) {
    // The common case, written in one call: a flat list skips node's per-header bookkeeping.
    res.writeHead(answer.status, [
      REQUEST_ID_HEADER,
      answer.reqId,
      'cache-control',
      answer.cacheControl,
      'Content-Type',
      answer.contentType,
      'Content-Length',
      String(answer.bytes.length),
      'ETag',
      etag,
    ]);
    res.end(answer.bytes);
    return;
  }
  res.statusCode = answer.status;
  // setHeader, not a list: a later header of the same name replaces one an error asked for.
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  res.setHeader(REQUEST_ID_HEADER, answer.reqId);
  res.setHeader('cache-control', answer.cacheControl);
  res.setHeader('Content-Type', answer.contentType);
  res.setHeader('Content-Length', String(answer.bytes.length));
  res.setHeader('ETag', etag);
  res.end(answer.bytes);
}

/** 500 with the error masked as every internal error is (an id in the log): nothing a client sends may end the process. */
export function writeInternalError(
  res: ServerResponse,
  error: unknown,
  formatForClient: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
): void {
  const formatted = formatForClient({ message: 'Internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error);
  if (res.headersSent) return void res.destroy();
  const bytes = Buffer.from(`${JSON.stringify({ errors: [formatted] })}\n`, 'utf8');
  res.writeHead(500, { 'Content-Type': APPLICATION_JSON, 'Content-Length': String(bytes.length), 'cache-control': 'no-store' });
  res.end(bytes);
}
