import path from 'node:path';
import { readFileSync } from 'node:fs';
import { WebSocketServer, type WebSocket } from 'ws';
import { eventually, gql } from '../harness/client';
import { ownSystem, startOwnSystem } from '../harness/env';

const { ROOT } = require('../harness/system');

// The Binance adapter inside the real markets process, fed by a local server that speaks
// Binance's combined-stream format and plays recorded messages (with the times moved to now).
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(700, 'feeds');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;
const RECORDED = readFileSync(path.join(ROOT, 'subgraphs/markets/test/fixtures/binance-trades.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));

describe('price feed from Binance, through the gateway', () => {
  let system: any;
  let server: WebSocketServer;
  const sockets: WebSocket[] = [];
  let connections = 0;
  let bump = 0;
  /** While true the server keeps streaming (as Binance does); false models a feed gone quiet. */
  let streaming = true;
  let timer: ReturnType<typeof setInterval>;

  /** Plays the recording, prices shifted by `bump` so each connection's prices are recognisable. */
  const play = (socket: WebSocket) => {
    const now = Date.now();
    for (const message of RECORDED) {
      if (!message.data) continue;
      const data = { ...message.data, T: now, E: now };
      if (data.p) data.p = (Number(data.p) + bump).toFixed(2);
      if (data.c) data.c = (Number(data.c) + bump).toFixed(2);
      socket.send(JSON.stringify({ ...message, data }));
    }
  };

  beforeAll(async () => {
    server = new WebSocketServer({ port: PORT_BASE + 50, host: '127.0.0.1' });
    server.on('connection', (socket) => {
      connections += 1;
      sockets.push(socket);
      play(socket);
    });
    timer = setInterval(() => {
      const socket = sockets.at(-1);
      if (streaming && socket && socket.readyState === socket.OPEN) play(socket);
    }, 300);
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      services: ['accounts', 'markets', 'matching'],
      env: {
        PRICE_FEED: 'binance',
        BINANCE_WS_URL: `ws://127.0.0.1:${PORT_BASE + 50}`,
        BINANCE_MARKETS: 'BTC-USDT,ETH-USDT',
        BINANCE_RECONNECT_MIN_MS: '100',
        PRICE_STALE_AFTER_MS: '3000',
      },
    });
  }, 90000);

  afterAll(async () => {
    clearInterval(timer);
    await system?.stop();
    for (const socket of sockets) socket.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  let asked = 0;
  // A different query text each time, so the gateway's response cache does not answer it.
  const quotes = async () =>
    (await gql(`{ prices(markets: ["BTC-USDT", "ETH-USDT"]) { price stale } n${++asked}: __typename }`, {}, { url: GATEWAY })).data?.prices;

  it('prices flow, flow again after the server drops the connection, and go stale when the feed stops', async () => {
    await eventually(async () => {
      expect(await quotes()).toEqual([
        { price: '91240', stale: false },
        { price: '3020.99', stale: false },
      ]);
    }, 20_000);

    // The server drops the connection; the adapter reconnects and the new prices arrive.
    bump = 100;
    sockets.at(-1)!.terminate();
    await eventually(async () => {
      expect(connections).toBe(2);
      expect(await quotes()).toEqual([
        { price: '91340', stale: false },
        { price: '3120.99', stale: false },
      ]);
    }, 20_000);

    // The feed goes quiet (connected, nothing sent): after PRICE_STALE_AFTER_MS the price and the market say so.
    streaming = false;
    await eventually(async () => {
      const result = await gql(
        `{ prices(markets: ["BTC-USDT"]) { price stale } market(symbol: "BTC-USDT") { stale } n${++asked}: __typename }`,
        {},
        { url: GATEWAY },
      );
      expect(result.data).toMatchObject({ prices: [{ price: '91340', stale: true }], market: { stale: true } });
    }, 20_000);
  });
});
