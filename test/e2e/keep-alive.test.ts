import WebSocket from 'ws';
import { ownSystem, startOwnSystem } from '../harness/env';
import { eventually, metric, rawClient } from '../harness/client';

// The gateway pings its WebSocket clients to find the ones that vanished, spreading the pings
// over the period instead of pinging clients that connected together all at once. A system of
// its own with a short period (1.2 s: a turn every 10 ms).
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(5300, 'keepalive');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}`;
const GATEWAY_WS = `ws://127.0.0.1:${PORT_BASE}/graphql`;
const PERIOD_MS = 1200;

let system: { stop(): Promise<void> };
beforeAll(async () => {
  system = await startOwnSystem(PORT_BASE, DATABASE, { services: ['accounts', 'markets'], env: { WS_KEEPALIVE_MS: String(PERIOD_MS) } });
}, 90000);
afterAll(async () => {
  await system?.stop();
});

describe('WebSocket keep-alive', () => {
  it('pings every client once per period, spread over the period when they connected together, and keeps those that answer', async () => {
    // 120 clients connecting at once: graphql-ws's per-socket timers would ping them within the
    // few hundred ms they took to connect; dealt into the 120 turns, their pings span the period.
    const clients = await Promise.all(Array.from({ length: 120 }, () => rawClient(GATEWAY_WS)));
    try {
      await new Promise((resolve) => setTimeout(resolve, 3 * PERIOD_MS + 300));
      const firstPings = clients.map((client) => client.pings[0] ?? Infinity);
      expect(Math.max(...firstPings)).toBeLessThan(Infinity); // every client was pinged
      expect(Math.max(...firstPings) - Math.min(...firstPings)).toBeGreaterThan(PERIOD_MS / 2);
      for (const client of clients) {
        // Once per period (3 periods went by since they connected): 3 or, by the timing of its turn, 2–4.
        expect(client.pings.length).toBeGreaterThanOrEqual(2);
        expect(client.pings.length).toBeLessThanOrEqual(4);
        expect(client.closedAt).toBeNull();
        expect(client.socket.readyState).toBe(WebSocket.OPEN);
      }
      // No two pings to one client closer than most of a period.
      const gaps = clients.flatMap((client) => client.pings.slice(1).map((at, i) => at - client.pings[i]!));
      expect(Math.min(...gaps)).toBeGreaterThan(PERIOD_MS * 0.6);
    } finally {
      for (const client of clients) client.socket.terminate();
    }
  }, 30000);

  it('closes a client that stops answering pings, and ends its subscriptions', async () => {
    const listenersBefore = await metric(GATEWAY, 'gateway_subscription_listeners');
    const silent = await rawClient(GATEWAY_WS, undefined, { autoPong: false });
    const answering = await rawClient(GATEWAY_WS);
    try {
      for (const client of [silent, answering]) {
        client.socket.send(
          JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { priceUpdated(market: "BTC-USDT") { price } }' } }),
        );
      }
      await eventually(async () => expect(await metric(GATEWAY, 'gateway_subscription_listeners')).toBe(listenersBefore + 2));
      const openedAt = Date.now();
      // Pinged within one period, closed at its next turn one period later for not answering.
      await eventually(async () => expect(silent.closedAt).not.toBeNull(), 4 * PERIOD_MS);
      expect(silent.pings.length).toBeGreaterThanOrEqual(1);
      // At most two periods after it connected; a second more for a busy machine's late timers.
      expect(silent.closedAt! - openedAt).toBeLessThan(2 * PERIOD_MS + 1000);
      await eventually(async () => expect(await metric(GATEWAY, 'gateway_subscription_listeners')).toBe(listenersBefore + 1));
      // The client that answers is still there.
      expect(answering.closedAt).toBeNull();
      expect(answering.pings.length).toBeGreaterThanOrEqual(1);
    } finally {
      silent.socket.terminate();
      answering.socket.terminate();
    }
  }, 30000);
});
