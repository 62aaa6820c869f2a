import type http from 'node:http';

/** How long an idle client connection is kept open (HTTP_KEEPALIVE_MS; at least 1 s). */
export function httpKeepAliveMs(env = process.env): number {
  const value = Number(env.HTTP_KEEPALIVE_MS || 65_000);
  if (!Number.isInteger(value) || value < 1000) throw new Error('HTTP_KEEPALIVE_MS must be a whole number of milliseconds, at least 1000');
  return value;
}

/**
 * Idle keep-alive connections stay open longer than node's 5 s (HTTP_KEEPALIVE_MS, 65 s): longer
 * than the idle timeout of the load balancers usually put in front (60 s), so a proxy never
 * sends a request into a connection the gateway is closing at that moment, and a client that
 * pauses between requests keeps its connection. Headers must be allowed to take longer still.
 */
export function keepConnectionsAlive(server: http.Server, env = process.env): void {
  server.keepAliveTimeout = httpKeepAliveMs(env);
  server.headersTimeout = server.keepAliveTimeout + 1000;
}
