import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { GraphQLError } from 'graphql';
import WebSocket, { WebSocketServer } from 'ws';
import { DirectListener, EventFrames, SLOW_CONSUMER, SocketWriter, nextPayloadJson } from '../src/subscriptions/direct';

/** A real server socket (and the stream under it) and the client socket at its other end, on loopback. */
async function socketPair(): Promise<{
  server: WebSocket;
  stream: Duplex;
  client: WebSocket;
  received: string[];
  close(): Promise<void>;
}> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const serverSide = new Promise<[WebSocket, IncomingMessage]>((resolve) =>
    wss.once('connection', (socket, request) => resolve([socket, request])),
  );
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: string[] = [];
  client.on('message', (data, isBinary) => received.push(isBinary ? `binary:${String(data)}` : String(data)));
  await new Promise((resolve) => client.once('open', resolve));
  const [server, request] = await serverSide;
  return {
    server,
    stream: request.socket,
    client,
    received,
    close: async () => {
      client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

const until = async (check: () => boolean, ms = 10000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('direct fan-out', () => {
  it('serializes a result as graphql-ws does: data first, errors formatted last', () => {
    const error = new GraphQLError('No market X', { path: ['priceUpdated'], extensions: { code: 'NOT_FOUND' } });
    const result = { errors: [error], data: { priceUpdated: null } };
    const payload = nextPayloadJson(result);
    expect(payload).toBe(
      JSON.stringify({ data: { priceUpdated: null }, errors: [{ message: 'No market X', path: ['priceUpdated'], extensions: { code: 'NOT_FOUND' } }] }),
    );
    // graphql-ws's own frame for this result, message key order included.
    const listener = new DirectListener('op-1', {} as SocketWriter, () => {});
    expect(`${listener.prefix}${payload}}`).toBe(
      JSON.stringify({ id: 'op-1', type: 'next', payload: { data: result.data, errors: [error.toJSON()] } }),
    );
  });

  it('writes each listener its own frames in order and ends it after them; complete stops only that one', async () => {
    const pair = await socketPair();
    const live = new Set(['a', 'b']);
    const writer = new SocketWriter(pair.server, pair.stream, (id) => live.has(id));
    const closed: string[] = [];
    const a = new DirectListener('a', writer, (l) => closed.push(l.id));
    const b = new DirectListener('b', writer, (l) => closed.push(l.id));
    const bDone = b.next();
    const first = new EventFrames('{"data":1}');
    a.send(first);
    b.send(first);
    a.return(); // the client completed `a`
    const second = new EventFrames('{"data":2}');
    a.send(second);
    b.send(second);
    b.end();
    expect((await bDone).done).toBe(true);
    await until(() => pair.received.length === 3);
    expect(pair.received).toEqual([
      '{"id":"a","type":"next","payload":{"data":1}}',
      '{"id":"b","type":"next","payload":{"data":1}}',
      '{"id":"b","type":"next","payload":{"data":2}}',
    ]);
    expect(closed).toEqual(['a']);
    await pair.close();
  });

  it('keeps a slow socket within bounds: frames wait in the writer, then the client is cut off with an error', async () => {
    const pair = await socketPair();
    // The client stops reading: the kernel buffers fill, then `ws`'s, then the writer's queue.
    (pair.client as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const writer = new SocketWriter(pair.server, pair.stream, () => true);
    let removed = false;
    const listener = new DirectListener('slow', writer, () => (removed = true));
    const done = listener.next();
    const payload = JSON.stringify({ data: { priceUpdated: { price: '1'.repeat(200) } } });
    const frames = new EventFrames(payload);
    let sent = 0;
    while (!removed && sent < 1_000_000) {
      listener.send(frames);
      sent += 1;
      // Whatever was written, the server side never holds much more than the high-water mark.
      if (sent % 1000 === 0) expect(pair.server.bufferedAmount).toBeLessThan(64 * 1024 + 4096);
      if (sent % 5000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(removed).toBe(true);
    expect((await done).done).toBe(true);
    (pair.client as unknown as { _socket: { resume(): void } })._socket.resume();
    await until(() => pair.received.some((f) => f.includes(SLOW_CONSUMER)));
    // Every frame before the error is intact and in order; the error is the last word.
    const last = JSON.parse(pair.received[pair.received.length - 1]);
    expect(last).toEqual({
      id: 'slow',
      type: 'next',
      payload: { errors: [{ message: expect.any(String), extensions: { code: SLOW_CONSUMER } }] },
    });
    expect(pair.received.slice(0, -1).every((f) => f === `{"id":"slow","type":"next","payload":${payload}}`)).toBe(true);
    // Nothing queued after the cut-off reaches the client.
    listener.send(frames);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(JSON.parse(pair.received[pair.received.length - 1]).payload.errors).toBeDefined();
    await pair.close();
  });

  it('frames events of every size as a WebSocket client reads them, interleaved with ws.send, each id framed once', async () => {
    const pair = await socketPair();
    const writer = new SocketWriter(pair.server, pair.stream, () => true);
    const listener = new DirectListener('1', writer, () => {});
    const other = new DirectListener('2', writer, () => {});
    // Message lengths (size + 56 bytes of envelope) on both sides of each header form: 7-bit up
    // to 125, 16-bit up to 65,535, 64-bit beyond; then characters beyond ASCII, whose UTF-8
    // length is not the string's length.
    const sizes = [0, 69, 70, 71, 200, 65_479, 65_480, 65_481, 70_000];
    const expected: string[] = [];
    for (const size of sizes) {
      const payload = JSON.stringify({ data: { text: 'x'.repeat(size) } });
      listener.send(new EventFrames(payload));
      expected.push(`{"id":"1","type":"next","payload":${payload}}`);
      // A frame `ws` writes between two of ours arrives whole and in its place.
      pair.server.send('{"type":"ping"}');
      expected.push('{"type":"ping"}');
    }
    const unicode = new EventFrames(JSON.stringify({ data: { market: 'ÉTH-€', note: '価格 📈' } }));
    listener.send(unicode);
    other.send(unicode);
    expected.push(`{"id":"1","type":"next","payload":${unicode.payload}}`, `{"id":"2","type":"next","payload":${unicode.payload}}`);
    await until(() => pair.received.length === expected.length);
    expect(pair.received).toEqual(expected);
    // Listeners with the same id get the very same frame; another id gets its own.
    const shared = new EventFrames('{"data":3}');
    const sameId = new DirectListener('1', writer, () => {});
    expect(shared.frameFor(listener)).toBe(shared.frameFor(sameId));
    expect(shared.frameFor(other)).not.toBe(shared.frameFor(listener));
    await pair.close();
  });
});
