// A WebSocket client (RFC 6455) reduced to what the subscription benchmark's 10,000 clients need:
// the opening handshake, unmasked text frames from the server, masked text frames to it, and
// the control frames (ping → pong, close). It mimics the part of the `ws` client's API that
// `ws-clients.js` uses, so either can be chosen (BENCH_WS_CLIENT=ws for the library).
//
// Why not `ws` itself: the clients share the machine's two cores with the server under test,
// and at 50,000 messages/s `ws`'s receive path (a Writable stream per socket, a Receiver state
// machine, a Buffer and an event per message) took about half of the client process's CPU.
// Whatever the load generator burns is taken from the server it measures, for either side.
// This client reads each TCP chunk once, walks the frames in it and hands each text frame to
// the listener as a string; no per-socket streams beyond the net.Socket itself.
const http = require('node:http');
const { createHash, randomBytes, randomFillSync } = require('node:crypto');
const { EventEmitter } = require('node:events');

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

class RawWebSocket extends EventEmitter {
  /** `url`: ws://host:port/path; `protocol`: the subprotocol to ask for (and insist on), or undefined. */
  constructor(url, protocol) {
    super();
    this.socket = null;
    this.pending = null;
    this.fragments = null;
    this.closeCode = 1006;
    this.closeReason = '';
    const target = new URL(url);
    const key = randomBytes(16).toString('base64');
    const request = http.request({
      host: target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      agent: false,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
        ...(protocol ? { 'Sec-WebSocket-Protocol': protocol } : {}),
      },
    });
    request.on('upgrade', (response, socket, head) => {
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      if (response.headers['sec-websocket-accept'] !== accept) {
        socket.destroy();
        this.emit('error', new Error('bad Sec-WebSocket-Accept'));
        return;
      }
      if (protocol && response.headers['sec-websocket-protocol'] !== protocol) {
        socket.destroy();
        this.emit('error', new Error(`server did not accept subprotocol ${protocol}`));
        return;
      }
      this.socket = socket;
      socket.setNoDelay(true);
      socket.on('data', (chunk) => this.onData(chunk));
      socket.on('error', (error) => this.emit('error', error));
      socket.on('close', () => this.emit('close', this.closeCode, this.closeReason));
      this.emit('open');
      if (head.length > 0) this.onData(head);
    });
    request.on('response', (response) => {
      response.resume();
      this.emit('error', new Error(`handshake refused: HTTP ${response.statusCode}`));
    });
    request.on('error', (error) => this.emit('error', error));
    request.end();
  }

  send(text) {
    this.socket?.write(maskedFrame(OP_TEXT, Buffer.from(text)));
  }

  terminate() {
    this.socket?.destroy();
  }

  /** Walks every complete frame in what has arrived; keeps a partial one for the next chunk. */
  onData(chunk) {
    let buffer = chunk;
    if (this.pending) {
      buffer = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let offset = 0;
    while (buffer.length - offset >= 2) {
      const first = buffer[offset];
      const second = buffer[offset + 1];
      if (second & 0x80) {
        // RFC 6455 §5.1: a client must close the connection when a server frame is masked.
        this.fail('masked frame from the server');
        return;
      }
      let length = second & 0x7f;
      let header = 2;
      if (length === 126) {
        if (buffer.length - offset < 4) break;
        length = buffer.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (buffer.length - offset < 10) break;
        length = Number(buffer.readBigUInt64BE(offset + 2));
        header = 10;
      }
      if (buffer.length - offset < header + length) break;
      const start = offset + header;
      offset = start + length;
      this.onFrame((first & 0x80) !== 0, first & 0x0f, buffer, start, offset);
    }
    if (offset < buffer.length) this.pending = buffer.subarray(offset);
  }

  onFrame(fin, opcode, buffer, start, end) {
    if (opcode === OP_TEXT || opcode === OP_BINARY || opcode === OP_CONTINUATION) {
      if (fin && this.fragments === null) {
        this.emit('message', buffer.toString('utf8', start, end));
        return;
      }
      // A fragmented message (no server in the benchmark sends one, but the protocol allows it).
      this.fragments = [...(this.fragments ?? []), Buffer.from(buffer.subarray(start, end))];
      if (fin) {
        const whole = Buffer.concat(this.fragments);
        this.fragments = null;
        this.emit('message', whole.toString('utf8'));
      }
    } else if (opcode === OP_PING) {
      this.socket.write(maskedFrame(OP_PONG, buffer.subarray(start, end)));
    } else if (opcode === OP_CLOSE) {
      if (end - start >= 2) {
        this.closeCode = buffer.readUInt16BE(start);
        this.closeReason = buffer.toString('utf8', start + 2, end);
      } else this.closeCode = 1005;
      // Echo the close and let the server end the TCP connection.
      this.socket.end(maskedFrame(OP_CLOSE, buffer.subarray(start, Math.min(end, start + 2))));
    } else if (opcode !== OP_PONG) {
      this.fail(`unknown opcode ${opcode}`);
    }
  }

  fail(why) {
    this.closeCode = 1002;
    this.closeReason = why;
    this.socket.destroy();
  }
}

/** A client-to-server frame: FIN set, masked with a fresh key as RFC 6455 §5.3 requires. */
function maskedFrame(opcode, payload) {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + 4 + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomFillSync(frame, header, 4).subarray(header, header + 4);
  for (let i = 0; i < length; i += 1) frame[header + 4 + i] = payload[i] ^ mask[i & 3];
  return frame;
}

module.exports = { RawWebSocket };
