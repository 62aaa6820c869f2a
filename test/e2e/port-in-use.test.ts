import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { DATABASE_URL, REDIS_URL } from '../harness/env';

const { ROOT } = require('../harness/system');

// A process whose port is taken stops with the error (so a supervisor or an orchestrator sees it)
// instead of waiting forever: the WebSocket server attached to its HTTP server used to take the
// listen error and only log it, and the process hung.
describe('a port already in use', () => {
  it.each([
    ['a subgraph', 'subgraphs/markets/dist/index.js', 'MARKETS_PORT'],
    ['the gateway', 'gateway/dist/index.js', 'GATEWAY_PORT'],
  ])('%s exits non-zero, naming EADDRINUSE', async (_name, entry, portVariable) => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const child = spawn(process.execPath, [path.join(ROOT, entry)], {
        env: { ...process.env, DATABASE_URL, REDIS_URL, REDIS_NAMESPACE: 'port-in-use', [portVariable]: String(port), PRICE_FEED: 'off' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      const exit = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(null);
        }, 60_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
      expect(exit).not.toBeNull();
      expect(exit).not.toBe(0);
      expect(output).toContain('EADDRINUSE');
    } finally {
      holder.close();
    }
  }, 90_000);
});
