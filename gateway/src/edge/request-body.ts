import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import getRawBody from 'raw-body';

/** Bodies of the requests the fast path takes are small; anything larger simply takes the ordinary path. */
export const FAST_PATH_MAX_BODY_BYTES = 64 * 1024;

/** Request content types that express.json parses as UTF-8 JSON, lower-cased. */
const JSON_CONTENT_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

/**
 * The body's declared length when this is a request the fast path may read (a plain, uncompressed
 * JSON POST to /graphql with a length within FAST_PATH_MAX_BODY_BYTES), else null.
 */
export function fastPathBodyLength(req: IncomingMessage): number | null {
  if (req.method !== 'POST' || req.url !== '/graphql') return null;
  const { headers } = req;
  const type = headers['content-type'];
  if (type === undefined || !JSON_CONTENT_TYPES.has(type.toLowerCase())) return null;
  if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return null;
  const length = Number(headers['content-length']);
  return Number.isInteger(length) && length > 0 && length <= FAST_PATH_MAX_BODY_BYTES ? length : null;
}

/** Why a body read by the fast path was refused, in the shape express.json's errors have (status, type). */
type BodyError = Error & { status: number; type: string };

const BODY_ERROR = Symbol('bodyError');
type WithBody = IncomingMessage & { body?: unknown; [BODY_ERROR]?: BodyError };

/**
 * Reads the body (raw-body: the declared length, no more than the limit) and parses it as
 * express.json does in strict mode — a leading byte-order mark dropped, and only a JSON object or
 * array accepted — so the fast path takes exactly the bodies express.json would have accepted.
 * `done` gets the parsed body, or null when the body was refused; the refusal is then kept on the
 * request for `bodyRefusals`, so the express app answers it as express.json would have.
 * express.json leaves a request whose stream has ended alone, so it keeps `req.body` as set here.
 */
export function readJsonBody(req: IncomingMessage, length: number, done: (body: object | null) => void): void {
  getRawBody(req, { length, limit: FAST_PATH_MAX_BODY_BYTES }, (error, raw) => {
    if (error) {
      (req as WithBody)[BODY_ERROR] = error as BodyError;
      return done(null);
    }
    const body = parseJsonObject(raw);
    if (body === undefined) {
      (req as WithBody)[BODY_ERROR] = Object.assign(new Error('The request body is not valid JSON'), {
        status: 400,
        statusCode: 400,
        expose: true,
        type: 'entity.parse.failed',
      });
      return done(null);
    }
    (req as WithBody).body = body;
    done(body);
  });
}

/** The body as a JSON object or array, as express.json (strict) would accept it; else undefined. */
function parseJsonObject(raw: Buffer): object | undefined {
  let text = raw.toString('utf8');
  // express.json's decoder drops a byte-order mark.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Mounted just before express.json on /graphql: a body the fast path read and refused goes on to
 * the error handler as express.json's own refusal would (same status, same message), since the
 * stream is used up and express.json would find nothing left to read.
 */
export function bodyRefusals(): RequestHandler {
  return (req, _res, next) => {
    const error = (req as unknown as WithBody)[BODY_ERROR];
    next(error);
  };
}
