// Publishes price events into Redis at a fixed total rate, round-robin over the markets, as the
// markets feed would: JSON `{market, price, at}` on `<namespace>:markets.price.<symbol>`. Forked by
// bench/subscriptions.js and driven over IPC. `at` is the publisher's clock when it sent the
// event, so the subscribers' latency includes every queue on the way. Prices are numbered
// phase × 10^7 + sequence so late events of an earlier phase can be told apart.
const Redis = require('ioredis');

let redis;

async function publish({ redisUrl, namespace, markets, rate, seconds, phase }) {
  redis ??= new Redis(redisUrl, { maxRetriesPerRequest: null });
  const channels = markets.map((m) => `${namespace ? `${namespace}:` : ''}markets.price.${m}`);
  const total = Math.round(rate * seconds);
  const start = performance.now();
  let sent = 0;
  let lagMaxMs = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
      lagMaxMs = Math.max(lagMaxMs, now - start - ((due - 1) * 1000) / rate);
      while (sent < due) {
        const i = sent % markets.length;
        sent += 1;
        const payload = `{"market":"${markets[i]}","price":"${phase * 1e7 + sent}","at":"${new Date().toISOString()}"}`;
        redis.publish(channels[i], payload);
      }
      // Sleep until the next event is due rather than polling: a 1 ms poll woke this process
      // 1,000 times a second, CPU taken from the server and the clients it shares the machine with.
      if (sent < total) setTimeout(tick, Math.max(0, start + (sent * 1000) / rate - performance.now()));
      else resolve();
    };
    tick();
  });
  const perMarket = markets.map((_m, i) => Math.floor(total / markets.length) + (i < total % markets.length ? 1 : 0));
  return { published: total, perMarket, seconds: (performance.now() - start) / 1000 };
}

process.on('message', async (message) => {
  try {
    if (message.type === 'publish') process.send({ type: 'published', ...(await publish(message)) });
    else if (message.type === 'close') {
      await redis?.quit();
      process.send({ type: 'closed' });
    }
  } catch (error) {
    process.send({ type: 'error', message: String(error?.stack ?? error) });
  }
});
