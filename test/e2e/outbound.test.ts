import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { eventually } from '../harness/client';
import { ownSystem } from '../harness/env';

// The gateway talks to its own subgraphs and nothing else: @apollo/gateway's built-in usage
// reporting to Apollo's servers (and the cloud metadata lookups it starts with) stays off unless
// APOLLO_TELEMETRY_DISABLED=false. A gateway of its own (no subgraphs needed) runs with a watcher
// preloaded that reports every connection or name lookup leaving the loopback addresses.
const { portBase: PORT_BASE } = ownSystem(6800, 'outbound');
const ROOT = path.resolve(__dirname, '..', '..');

describe('outbound connections', () => {
  let gateway: ChildProcess;
  let stderr = '';
  afterAll(() => {
    gateway?.kill('SIGKILL');
  });

  it('a starting gateway reaches for no address outside this machine', async () => {
    const env = { ...process.env, PORT_BASE: String(PORT_BASE), LOG_LEVEL: 'warn' };
    delete env.APOLLO_TELEMETRY_DISABLED;
    delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
    gateway = spawn(process.execPath, ['-r', path.join(ROOT, 'test/harness/net-watch.js'), path.join(ROOT, 'gateway/dist/index.js')], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    gateway.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    await eventually(async () => {
      const response = await fetch(`http://127.0.0.1:${PORT_BASE}/health`);
      if (!response.ok) throw new Error(`health ${response.status}`);
    }, 90000, 250);
    // Apollo's reporting set out within a second or two of the gateway's start; give it several.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    expect(stderr.split('\n').filter((line) => line.startsWith('NET-WATCH'))).toEqual([]);
  }, 120000);
});
