import { randomUUID } from 'node:crypto';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger';
import { domainErrorOf } from './domain-error';

/**
 * What a client sees of an error, for every subgraph and the gateway.
 *
 * An error with a code of our own (BAD_USER_INPUT, FORBIDDEN, …) or of GraphQL's (parse and
 * validation failures) goes out as it is, less anything internal in its extensions. Anything
 * else is an internal error: a database refusing a statement (whose message holds the SQL and
 * its parameter values), a bug, a failed call to another process (whose message holds its
 * address). Those are logged whole with a fresh id and answered as "Internal error" with that
 * id, so an operator can find the log line and a client learns nothing of the inside.
 */

/** Extensions that describe the inside of the system, never sent to a client. */
const INTERNAL_EXTENSIONS = ['stacktrace', 'exception', 'response', 'query', 'variables', 'http'];

/** "Did you mean …?" hints list field and type names; left out when introspection is off. */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

export const INTERNAL_ERROR_MESSAGE = 'Internal error';

export interface ErrorFormatOptions {
  logger: Logger;
  /** Keep GraphQL's "Did you mean …?" suggestions (they reveal the schema; on with introspection). */
  suggestions: boolean;
}

/** The id an internal error was logged under, when `formatted` is such an error formatted before (by a subgraph). */
function loggedErrorId(formatted: GraphQLFormattedError): string | undefined {
  const id = formatted.extensions?.errorId;
  return typeof id === 'string' && formatted.message.startsWith(INTERNAL_ERROR_MESSAGE) ? id : undefined;
}

export function formatClientError(options: ErrorFormatOptions): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  const { logger, suggestions } = options;
  return (formatted, error) => {
    const { locations, path } = formatted;
    // A rule of the exchange refused the request (domain-error.ts): its own code and message.
    const refusal = domainErrorOf(error);
    if (refusal) {
      return {
        message: refusal.message,
        ...(locations ? { locations } : {}),
        ...(path ? { path } : {}),
        extensions: { ...refusal.details, code: refusal.code },
      };
    }
    const code = formatted.extensions?.code;
    if ((code === undefined || code === 'INTERNAL_SERVER_ERROR') && isDependencyUnavailable(error)) {
      // Postgres or Redis away (restarting, unreachable): a condition to retry on, not a bug.
      logger.warn({ err: (error as { originalError?: unknown })?.originalError ?? error, path }, 'dependency unavailable');
      return {
        message: 'The service cannot reach its database at the moment; nothing was changed, try again shortly',
        ...(locations ? { locations } : {}),
        ...(path ? { path } : {}),
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      };
    }
    if (code === undefined || code === 'INTERNAL_SERVER_ERROR') {
      const known = loggedErrorId(formatted);
      const errorId = known ?? randomUUID();
      if (!known) logger.error({ err: (error as { originalError?: unknown })?.originalError ?? error, errorId, path }, 'internal error');
      return {
        message: `${INTERNAL_ERROR_MESSAGE} (id ${errorId})`,
        ...(locations ? { locations } : {}),
        ...(path ? { path } : {}),
        extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
      };
    }
    const extensions: Record<string, unknown> = { ...formatted.extensions };
    for (const name of INTERNAL_EXTENSIONS) delete extensions[name];
    const message = suggestions ? formatted.message : formatted.message.replace(SUGGESTION, '');
    return { ...formatted, message, extensions };
  };
}

/** Node's socket errors, and SQLSTATE class 08 (connection exception) and 57P01–57P03 (server shutting down or starting). */
const UNAVAILABLE_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTCONN|08[0-9A-Z]{3}|57P0[123])$/;
const UNAVAILABLE_MESSAGES =
  /Connection terminated|Connection is closed|Timeout acquiring a connection|not queryable|the database system is (starting up|shutting down)|terminating connection due to administrator command/i;

/**
 * Whether an error comes from a database or Redis connection that is down, not from the
 * statement: looked for along the error's causes (GraphQL's originalError, MikroORM's and
 * knex's wrapping), a few levels deep.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth += 1) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && UNAVAILABLE_CODES.test(code)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    const next = current as { originalError?: unknown; cause?: unknown; previous?: unknown };
    current = next.originalError ?? next.previous ?? next.cause;
  }
  return false;
}

export { introspectionEnabled } from './config';

/** What a body parser's refusal becomes (body-parser's `type` of error → message). */
const BODY_ERRORS: Record<string, string> = {
  'entity.parse.failed': 'The request body is not valid JSON',
  'entity.too.large': 'The request body is too large',
  'encoding.unsupported': 'The request body is in an unsupported content encoding',
  'charset.unsupported': 'The request body is in an unsupported charset; send UTF-8',
  'entity.verify.failed': 'The request body could not be read',
  'request.aborted': 'The request was aborted',
  'request.size.invalid': 'The request body does not match its Content-Length',
  'stream.encoding.set': 'The request body could not be read',
  'stream.not.readable': 'The request body could not be read',
};

/** A GraphQL-over-HTTP error answer: JSON, never HTML, never a stack. */
export function writeJsonError(
  res: { headersSent: boolean; statusCode: number; setHeader(name: string, value: string): unknown; end(body: string): unknown },
  status: number,
  message: string,
  extensions: Record<string, unknown>,
): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ errors: [{ message, extensions }] });
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', String(Buffer.byteLength(body)));
  res.end(body);
}

/**
 * Express's last error handler for every process: what would be express's HTML page with a
 * stack trace and file paths (a malformed or oversized body, a bad charset or encoding, a
 * route that throws) is a JSON error instead. Client mistakes keep their 4xx status with
 * BAD_REQUEST; anything else is logged with an id and answered 500 with that id.
 */
export function jsonErrorHandler(logger: Logger) {
  return (error: unknown, _req: unknown, res: Parameters<typeof writeJsonError>[0], _next: unknown): void => {
    const { status, statusCode, type } = (error ?? {}) as { status?: unknown; statusCode?: unknown; type?: unknown };
    const code = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : 500;
    if (code >= 400 && code < 500) {
      const message = (typeof type === 'string' && BODY_ERRORS[type]) || 'The request could not be read';
      writeJsonError(res, code, message, { code: 'BAD_REQUEST' });
      return;
    }
    const errorId = randomUUID();
    logger.error({ err: error, errorId }, 'request failed');
    writeJsonError(res, 500, `${INTERNAL_ERROR_MESSAGE} (id ${errorId})`, { code: 'INTERNAL_SERVER_ERROR', errorId });
  };
}
