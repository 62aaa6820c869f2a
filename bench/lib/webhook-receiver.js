// A webhook receiver for bench:webhooks, in a process of its own (forked, asked over IPC): a
// plain node HTTP server with keep-alive that answers 200 at once and records, per request, the
// event id and the time from the event's createdAt to its arrival. Same machine, same clock.
const http = require('node:http');

let arrivals = [];
let ids = new Set();
let requests = 0;
let firstAt = 0;
let lastAt = 0;

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const now = Date.now();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
    try {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      requests += 1;
      ids.add(event.id);
      if (!firstAt) firstAt = now;
      lastAt = now;
      arrivals.push(now - Date.parse(event.createdAt));
    } catch {
      // not one of ours
    }
  });
});
server.keepAliveTimeout = 120_000;

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : null);

process.on('message', (message) => {
  if (message.type === 'listen') {
    server.listen(message.port, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));
    server.once('error', (error) => process.send({ type: 'error', message: error.message }));
  } else if (message.type === 'reset') {
    arrivals = [];
    ids = new Set();
    requests = 0;
    firstAt = 0;
    lastAt = 0;
    process.send({ type: 'reset' });
  } else if (message.type === 'stats') {
    const sorted = [...arrivals].sort((a, b) => a - b);
    process.send({
      type: 'stats',
      requests,
      distinct: ids.size,
      firstAt,
      lastAt,
      p50_ms: percentile(sorted, 50),
      p99_ms: percentile(sorted, 99),
      max_ms: sorted.length ? sorted[sorted.length - 1] : null,
    });
  }
});
process.on('SIGTERM', () => process.exit(0));
