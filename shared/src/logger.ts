import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Every line carries `service`; lines written while handling a request
 * carry the `reqId` that the gateway assigned (or accepted from the client) and forwarded to
 * the subgraphs in the `x-request-id` header, so one request can be followed across processes.
 */
export type { Logger };

export const REQUEST_ID_HEADER = 'x-request-id';

export function createLogger(service: string): Logger {
  return pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service } });
}

/** A request id from the incoming header when it looks sane, otherwise a fresh one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : randomUUID();
}
