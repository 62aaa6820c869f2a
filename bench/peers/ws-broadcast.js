// The machine's ceiling for the subscription benchmark: a bare `ws` server (no GraphQL) that
// hears the same Redis price channels and sends each event to the sockets watching that market,
// wrapped in the same graphql-ws `next` envelope our gateway sends, by string concatenation.
// Usage: node ws-broadcast.js <port> <redis url> <namespace> <market,market,...>
const http = require('node:http');
const { WebSocketServer } = require('ws');
const Redis = require('ioredis');

const [port, redisUrl, namespace, marketList] = process.argv.slice(2);
const prefix = namespace ? `${namespace}:` : '';
const watchers = new Map(marketList.split(',').map((m) => [m, new Set()]));

const server = http.createServer((_req, res) => res.end('ok'));
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (socket, request) => {
  const market = new URL(request.url, 'http://x').searchParams.get('market');
  const set = watchers.get(market);
  if (!set) return socket.close(4404, 'unknown market');
  set.add(socket);
  socket.on('close', () => set.delete(socket));
});

const subscriber = new Redis(redisUrl, { enableReadyCheck: false });
subscriber.subscribe(...[...watchers.keys()].map((m) => `${prefix}markets.price.${m}`));
subscriber.on('message', (channel, message) => {
  const market = channel.slice(prefix.length + 'markets.price.'.length);
  const frame = `{"id":"1","type":"next","payload":{"data":{"priceUpdated":${message}}}}`;
  for (const socket of watchers.get(market) ?? []) socket.send(frame);
});

server.listen(Number(port), '127.0.0.1', () => process.stderr.write(`ws broadcast on ${port}\n`));
process.once('SIGTERM', () => process.exit(0));
