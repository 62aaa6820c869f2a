import { randomUUID } from 'node:crypto';
import { config } from './config';
import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Every line carries `service`; lines written while handling a request
 * carry the `reqId` that the gateway assigned (or accepted from the client) and forwarded to
 * the subgraphs in the `x-request-id` header, so one request can be followed across processes.
 */
export type { Logger };

export const REQUEST_ID_HEADER = 'x-request-id';

/** Every logger's buffered destination, so a process can flush them all before a line of its own. */
const destinations = new Set<{ flushSync(): void }>();

/** Writes out what every logger of this process has buffered (see createLogger). */
export function flushLogs(): void {
  for (const destination of destinations) {
    try {
      destination.flushSync();
    } catch {
      // not open yet (sonic-boom opens its file descriptor asynchronously): nothing buffered
    }
  }
}

export function createLogger(service: string): Logger {
  // Buffered, asynchronous writes: lines collect up to 4 KB (or 250 ms) and leave in one write.
  // Written one by one, the gateway's request log cost a write(2) per request, a few percent of
  // its CPU under load. pino flushes what is left when the process exits; a process killed
  // outright loses at most its last 250 ms of lines. Lines someone waits to see (a server
  // saying it is up) are flushed at once with `logger.flush()`.
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 });
  destinations.add(destination);
  return pino({ level: config().LOG_LEVEL, base: { service } }, destination);
}

/** A request id from the incoming header when it looks sane, otherwise a fresh one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : randomUUID();
}
