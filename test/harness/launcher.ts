import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { REDIS_URL } from './env';
import { liveProcessesIn, withoutTestVariables } from './embedded';

const { freshDatabase, freshRedisNamespace, withDatabase, waitForHealth, ROOT } = require('./system');

/**
 * `npm start` with DATABASE_URL and REDIS_URL: the launcher supervising one process per
 * subgraph plus the gateway, on a fresh database and Redis namespace of the test's own.
 */
export class SupervisedSystem {
  child!: ChildProcess;
  output = '';
  readonly gateway: string;
  databaseUrl = '';

  constructor(
    readonly portBase: number,
    readonly database: string,
    readonly env: Record<string, string> = {},
    readonly redisUrl = REDIS_URL,
  ) {
    this.gateway = `http://127.0.0.1:${portBase}`;
  }

  async start(): Promise<void> {
    const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    await freshDatabase(adminUrl, this.database);
    await freshRedisNamespace(this.redisUrl, this.database);
    this.databaseUrl = withDatabase(adminUrl, this.database);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      REDIS_NAMESPACE: this.database,
      PORT_BASE: String(this.portBase),
      PRICE_FEED: 'off',
      MATCHING_DEMO_CREDITS: 'on',
      LOG_LEVEL: 'info',
      ...this.env,
    };
    withoutTestVariables(env);
    this.child = spawn(process.execPath, ['launcher/dist/start.js'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk) => (this.output += chunk));
    this.child.stderr?.on('data', (chunk) => (this.output += chunk));
    try {
      await waitForHealth(`${this.gateway}/ready`, this.child, 'npm start', 120000);
      // The launcher says it is running once it has seen the gateway ready itself.
      const deadline = Date.now() + 10000;
      while (!this.output.includes('Tradegraph is running (') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.output.slice(-3000)}`);
    }
  }

  /** The pid of the supervised process running `name`'s entry point. */
  pidOf(name: string): number | undefined {
    const entry = name === 'gateway' ? 'gateway/dist/index.js' : `subgraphs/${name}/dist/index.js`;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(ppid) !== this.child.pid || state === 'Z') continue;
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(entry)) return Number(pid);
      } catch {
        // gone meanwhile
      }
    }
    return undefined;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the launcher's exit code once it has exited and no process of its group is left. */
  async exited(timeoutMs = 30000): Promise<number | null> {
    const code = await new Promise<number | null>((resolve, reject) => {
      if (!this.running) return resolve(this.child.exitCode);
      const timer = setTimeout(() => reject(new Error(`the launcher did not exit within ${timeoutMs} ms`)), timeoutMs);
      this.child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    const deadline = Date.now() + timeoutMs;
    while (liveProcessesIn(this.child.pid!) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    return code;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.child?.pid) return null;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // already gone
    }
    return this.exited();
  }

  async dispose(): Promise<void> {
    if (this.child?.pid && liveProcessesIn(this.child.pid) > 0) {
      await this.stop('SIGTERM').catch(() => undefined);
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}
