// Many subscription clients in one process (forked by bench/subscriptions.js, driven over IPC).
// Each speaks just enough of graphql-ws (graphql-transport-ws) to sign in, subscribe to the
// price of one market and answer pings; against the bare broadcast server it simply listens.
// Kinds `sse` and `multipart` subscribe the same way over HTTP instead: one POST per client with
// `Accept: text/event-stream` (graphql-sse, distinct connections) or
// `Accept: multipart/mixed;subscriptionSpec="1.0"` (Apollo's multipart subscriptions), and read
// the streamed body, cut into events at the protocol's separator.
// Messages are not JSON-parsed: the fields needed (the phase and the publisher's `at`) are cut
// out of the text, so the client side stays cheap enough not to be the bottleneck. For the same
// reason the WebSocket client is a minimal one (`raw-ws.js`); BENCH_WS_CLIENT=ws uses the `ws`
// library's client instead, to compare.
const { randomUUID } = require('node:crypto');
const http = require('node:http');
const { RawWebSocket } = require('./raw-ws');

const WS_CLIENT = process.env.BENCH_WS_CLIENT === 'ws' ? 'ws' : 'raw';
const openWebSocket =
  WS_CLIENT === 'ws'
    ? (url, protocol) => new (require('ws'))(url, protocol, { perMessageDeflate: false })
    : (url, protocol) => new RawWebSocket(url, protocol);
const hdr = require('hdr-histogram-js');

const SUBSCRIPTION = 'subscription Price($market: String!) { priceUpdated(market: $market, initial: false) { market { symbol } price at } }';

let sockets = [];
let phase = 0;
let latency = newHistogram();
let received = 0;
let stale = 0;
let clientsHeard = new Set();
let closedUnexpectedly = 0;
/** Close codes of the sockets the server closed, e.g. {"1006": 3} (1006: no close frame, as after a keep-alive timeout). */
let closeCodes = {};
let lastArrival = 0;
/**
 * Per second of arrival (since the phase began): messages, those later than 100 ms, and the
 * worst latency — whether a missed p99 is one stall or a steady backlog.
 */
let seconds = [];
let phaseStartedAt = Date.now();

function newHistogram() {
  return hdr.build({ bitBucketSize: 64, lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3 });
}

/** The string value of `"name":"…"` in a JSON text, without parsing it. */
function field(text, name) {
  const key = `"${name}":"`;
  const start = text.indexOf(key);
  if (start < 0) return null;
  const from = start + key.length;
  return text.slice(from, text.indexOf('"', from));
}

function onMessage(index, text) {
  const price = field(text, 'price');
  const at = field(text, 'at');
  if (price === null || at === null) return false;
  // The publisher numbers prices phase × 10^7 + sequence; events of an earlier phase arriving late are not counted.
  if (Math.floor(Number(price) / 1e7) !== phase) {
    stale += 1;
    return true;
  }
  received += 1;
  lastArrival = Date.now();
  clientsHeard.add(index);
  const now = Date.now();
  const ms = Math.max(1, now - Date.parse(at));
  latency.recordValue(ms);
  const second = (seconds[Math.floor((now - phaseStartedAt) / 1000)] ??= { n: 0, over_100ms: 0, max_ms: 0 });
  second.n += 1;
  if (ms > 100) second.over_100ms += 1;
  if (ms > second.max_ms) second.max_ms = ms;
  return true;
}

/** One HTTP agent for every streaming client: a socket each, never reused while a stream is open. */
const streamAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const STREAM_ACCEPT = { sse: 'text/event-stream', multipart: 'multipart/mixed;subscriptionSpec="1.0"' };
/** Where one event ends: a blank line in Server-Sent Events, the boundary in multipart. */
const STREAM_SEPARATOR = { sse: '\n\n', multipart: '--graphql' };

function connectStream(index, { url, kind, market, token }) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query: SUBSCRIPTION, operationName: 'Price', variables: { market } });
    const request = http.request(url, {
      method: 'POST',
      agent: streamAgent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        accept: STREAM_ACCEPT[kind],
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    const handle = { closingOnPurpose: false, terminate: () => request.destroy() };
    let ready = false;
    request.on('error', (error) => {
      if (!ready) reject(error);
      else if (!handle.closingOnPurpose) closedUnexpectedly += 1;
    });
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => reject(new Error(`${kind} client ${index}: HTTP ${response.statusCode} ${text.slice(0, 300)}`)));
        return;
      }
      response.setEncoding('utf8');
      const separator = STREAM_SEPARATOR[kind];
      let pending = '';
      response.on('data', (chunk) => {
        pending += chunk;
        let end;
        while ((end = pending.indexOf(separator)) >= 0) {
          const event = pending.slice(0, end);
          pending = pending.slice(end + separator.length);
          if (onMessage(index, event)) continue;
          if (event.includes('"errors"') && closedUnexpectedly < 3) process.stderr.write(`${kind} client ${index}: ${event.slice(0, 300)}\n`);
        }
      });
      response.on('close', () => {
        if (!handle.closingOnPurpose) {
          closedUnexpectedly += 1;
          closeCodes[`http-${kind}-ended`] = (closeCodes[`http-${kind}-ended`] ?? 0) + 1;
        }
      });
      ready = true;
      resolve(handle);
    });
    request.end(body);
  });
}

function connect(index, { url, kind, market, token, distinctIds }) {
  if (kind === 'sse' || kind === 'multipart') return connectStream(index, { url, kind, market, token });
  return new Promise((resolve, reject) => {
    const socket = openWebSocket(url, kind === 'graphql' ? 'graphql-transport-ws' : undefined);
    let ready = false;
    const fail = (error) => {
      if (!ready) reject(error);
      else closedUnexpectedly += 1;
    };
    socket.on('error', fail);
    socket.on('close', (code, reason) => {
      if (!ready) reject(new Error(`closed ${code} ${reason}`));
      else if (!socket.closingOnPurpose) {
        closedUnexpectedly += 1;
        closeCodes[code] = (closeCodes[code] ?? 0) + 1;
      }
    });
    if (kind === 'graphql') {
      socket.on('open', () =>
        socket.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} })),
      );
      socket.on('message', (data) => {
        const text = data.toString();
        if (onMessage(index, text)) return;
        if (text.includes('"connection_ack"')) {
          socket.send(
            // Minimal clients number their operations from "1"; graphql-ws's own client (and so
            // most browsers) sends a random UUID instead (BENCH_DISTINCT_IDS=1).
            JSON.stringify({
              id: distinctIds ? randomUUID() : '1',
              type: 'subscribe',
              payload: { query: SUBSCRIPTION, operationName: 'Price', variables: { market } },
            }),
          );
          ready = true;
          resolve(socket);
        } else if (text.includes('"ping"')) socket.send('{"type":"pong"}');
        else if (text.includes('"error"') || text.includes('"complete"')) {
          closedUnexpectedly += 1;
          if (closedUnexpectedly <= 3) process.stderr.write(`client ${index}: ${text.slice(0, 300)}\n`);
        } else if (text.includes('"errors"') && closedUnexpectedly < 3) {
          // A `next` carrying errors: how a failed upstream reaches clients, just before its `complete`.
          process.stderr.write(`client ${index}: ${text.slice(0, 300)}\n`);
        }
      });
    } else {
      socket.on('open', () => {
        ready = true;
        resolve(socket);
      });
      socket.on('message', (data) => onMessage(index, data.toString()));
    }
  });
}

async function connectAll({ url, kind, clients, markets, tokens, distinctIds, parallel = 100 }) {
  let next = 0;
  sockets = new Array(clients);
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < clients) {
        const i = next++;
        // Client i watches market i % markets and signs in as user ⌊i / markets⌋ % users, so the
        // clients of one market carry different credentials.
        const market = markets[i % markets.length];
        const token = tokens.length ? tokens[Math.floor(i / markets.length) % tokens.length] : undefined;
        const target = kind === 'raw' ? `${url}?market=${encodeURIComponent(market)}` : url;
        sockets[i] = await connect(i, { url: target, kind, market, token, distinctIds });
      }
    }),
  );
}

process.on('message', async (message) => {
  try {
    if (message.type === 'connect') {
      const started = Date.now();
      await connectAll(message);
      process.send({ type: 'connected', ms: Date.now() - started });
    } else if (message.type === 'phase') {
      phase = message.phase;
      latency = newHistogram();
      received = 0;
      lastArrival = 0;
      stale = 0;
      clientsHeard = new Set();
      seconds = [];
      phaseStartedAt = Date.now();
      process.send({ type: 'phase' });
    } else if (message.type === 'report') {
      const ms = (p) => latency.getValueAtPercentile(p);
      process.send({
        type: 'report',
        received,
        last_arrival: lastArrival,
        stale,
        clients_heard: clientsHeard.size,
        closed_unexpectedly: closedUnexpectedly,
        close_codes: closeCodes,
        p50_ms: ms(50),
        p99_ms: ms(99),
        p999_ms: ms(99.9),
        max_ms: latency.maxValue,
        seconds: Array.from(seconds, (second) => second ?? { n: 0, over_100ms: 0, max_ms: 0 }),
      });
    } else if (message.type === 'close') {
      for (const socket of sockets) {
        if (!socket) continue;
        socket.closingOnPurpose = true;
        socket.terminate();
      }
      sockets = [];
      closedUnexpectedly = 0;
      closeCodes = {};
      process.send({ type: 'closed' });
    }
  } catch (error) {
    process.send({ type: 'error', message: String(error?.stack ?? error) });
  }
});

// Exit cleanly when the benchmark stops us, so node options such as --cpu-prof can write their output.
process.once('SIGTERM', () => process.exit(0));
