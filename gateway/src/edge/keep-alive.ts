import type http from 'node:http';
import { config, type Config } from '@tradegraph/shared';

/** How long an idle client connection is kept open (HTTP_KEEPALIVE_MS; at least 1 s). */
export function httpKeepAliveMs(settings: Config = config()): number {
  return settings.HTTP_KEEPALIVE_MS;
}

/**
 * Idle keep-alive connections stay open longer than node's 5 s (HTTP_KEEPALIVE_MS, 65 s): longer
 * than the idle timeout of the load balancers usually put in front (60 s), so a proxy never
 * sends a request into a connection the gateway is closing at that moment, and a client that
 * pauses between requests keeps its connection. Headers must be allowed to take longer still.
 */
export function keepConnectionsAlive(server: http.Server, settings: Config = config()): void {
  server.keepAliveTimeout = httpKeepAliveMs(settings);
  server.headersTimeout = server.keepAliveTimeout + 1000;
}
