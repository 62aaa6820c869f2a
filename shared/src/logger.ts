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
  // Asynchronous writes: a line is handed to the kernel without waiting, and lines logged while
  // a write is under way leave together in the next one. Synchronously, the gateway's request
  // log cost one write(2) per request, a few percent of its CPU under load. pino flushes what is
  // left when the process exits.
  return pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service } }, pino.destination({ dest: 1, sync: false }));
}

/** A request id from the incoming header when it looks sane, otherwise a fresh one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : randomUUID();
}
