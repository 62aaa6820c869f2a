import { createClient, type Client, type Sink, type SubscribePayload } from 'graphql-ws';
import WebSocket from 'ws';
import { internalHeaders, type SubgraphName } from '@tradegraph/shared';

/** A WebSocket whose upgrade request carries the internal credential subgraphs require (shared internal-token.ts). */
class InternalWebSocket extends WebSocket {
  constructor(address: string | URL, protocols?: string | string[]) {
    super(address, protocols, { headers: internalHeaders() });
  }
}

/**
 * graphql-ws connections from the gateway to subgraphs, one per (subgraph, credentials): the
 * subgraph authenticates the caller in connection_init just as the gateway did, and all of that
 * caller's subscriptions to that subgraph share the socket. A connection closes when its last
 * subscription ends.
 *
 * No automatic retry: if a subgraph goes away, each affected client gets an error and a
 * complete right away (and can resubscribe), instead of a stream that silently stalls.
 */
export class UpstreamConnections {
  private readonly connections = new Map<string, { client: Client; subscriptions: number }>();

  constructor(private readonly wsUrlOf: (subgraph: SubgraphName) => string) {}

  subscribe(subgraph: SubgraphName, authorization: string | undefined, payload: SubscribePayload, sink: Sink): () => void {
    const key = `${subgraph}\n${authorization ?? ''}`;
    let connection = this.connections.get(key);
    if (!connection) {
      const client = createClient({
        url: this.wsUrlOf(subgraph),
        webSocketImpl: InternalWebSocket,
        connectionParams: authorization ? { authorization } : {},
        lazy: true,
        lazyCloseTimeout: 0,
        retryAttempts: 0,
        keepAlive: 15_000,
      });
      connection = { client, subscriptions: 0 };
      this.connections.set(key, connection);
    }
    const entry = connection;
    entry.subscriptions += 1;
    const unsubscribe = entry.client.subscribe(payload, sink);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      unsubscribe();
      entry.subscriptions -= 1;
      if (entry.subscriptions === 0 && this.connections.get(key) === entry) {
        this.connections.delete(key);
        void entry.client.dispose();
      }
    };
  }

  get openConnections(): number {
    return this.connections.size;
  }

  async closeAll(): Promise<void> {
    const clients = [...this.connections.values()].map((c) => c.client);
    this.connections.clear();
    await Promise.all(clients.map((c) => c.dispose()));
  }
}
