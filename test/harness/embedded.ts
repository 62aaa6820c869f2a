import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const { waitForHealth, ROOT } = require('./system');

/**
 * The embedded default as a user runs it: `npm start` (or the node command it ends in) with no
 * DATABASE_URL and no REDIS_URL, NODE_ENV unset (jest sets it to `test`, which would hide
 * behaviour that differs outside tests), in a data folder of its own, in its own process group.
 */
export class EmbeddedSystem {
  child!: ChildProcess;
  output = '';
  readonly dataDir: string;
  /** The temporary folder DATA_DIR is made in (none when the caller gave DATA_DIR). */
  private readonly folder?: string;
  readonly gateway: string;

  constructor(
    readonly portBase: number,
    dataDir?: string,
  ) {
    this.gateway = `http://127.0.0.1:${portBase}`;
    if (dataDir) this.dataDir = dataDir;
    else {
      this.folder = mkdtempSync(path.join(tmpdir(), 'tradegraph-embedded-'));
      // As root the embedded PostgreSQL runs as the postgres user, which must reach this folder.
      chmodSync(this.folder, 0o755);
      // Not made beforehand: on a fresh checkout `.data` does not exist until the start makes it.
      this.dataDir = path.join(this.folder, 'data');
    }
  }

  /** Starts it and waits until the gateway and every subgraph are ready. */
  async start(how: 'npm' | 'node' = 'npm', extraEnv: Record<string, string> = {}): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT_BASE: String(this.portBase), DATA_DIR: this.dataDir, ...extraEnv };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    // As on a fresh machine: the installation makes its own internal credential in DATA_DIR.
    delete env.INTERNAL_API_TOKEN;
    withoutTestVariables(env);
    this.output = '';
    const [command, args] = how === 'npm' ? ['npm', ['start', '--silent']] : [process.execPath, ['launcher/dist/start.js']];
    this.child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk) => (this.output += chunk));
    this.child.stderr?.on('data', (chunk) => (this.output += chunk));
    try {
      await waitForHealth(`${this.gateway}/ready`, this.child, 'npm start', 150000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.output.slice(-3000)}`);
    }
  }

  /** The JSON log lines printed so far. */
  logLines(): Record<string, any>[] {
    return this.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => {
        try {
          return JSON.parse(line);
        } catch {
          return {};
        }
      });
  }

  /** Whether the process it started still runs. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Sends `signal` to the whole process group, as a terminal's Ctrl-C or a service manager does,
   * and waits until no process of the group is left; answers the started process's exit code.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30000): Promise<{ code: number | null; ms: number }> {
    const group = this.child.pid!;
    const startedAt = Date.now();
    const exited = new Promise<number | null>((resolve) => {
      if (!this.running) resolve(this.child.exitCode);
      else this.child.once('exit', (code) => resolve(code));
    });
    // The output is complete once every process that held the pipes has closed them.
    const outputClosed = new Promise<void>((resolve) => {
      if (this.child.stdout?.closed ?? true) resolve();
      else this.child.once('close', () => resolve());
    });
    signalGroup(group, signal);
    const deadline = Date.now() + timeoutMs;
    while (liveProcessesIn(group) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const ms = Date.now() - startedAt;
    if (liveProcessesIn(group) > 0) {
      signalGroup(group, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await Promise.race([outputClosed, new Promise((resolve) => setTimeout(resolve, 5000))]);
    return { code: await exited, ms };
  }

  /** Stops what still runs and removes the data folder. */
  async dispose(): Promise<void> {
    if (this.child?.pid && liveProcessesIn(this.child.pid) > 0) await this.stop('SIGTERM');
    // The embedded PostgreSQL runs in a group of its own; the orderly stop ends it. Should a test
    // have failed before that, end it here so the folder can go.
    const pidFile = path.join(this.dataDir, 'postgres', 'postmaster.pid');
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } catch {
      // no server left
    }
    rmSync(this.folder ?? this.dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}

/**
 * Leaves out what jest and the test harness set and a user's shell would not: NODE_ENV (jest's
 * `test` hides behaviour that differs outside tests), E2E_* and JEST* variables, and the
 * per-process `<NAME>_PORT` overrides (the system's ports come from its PORT_BASE).
 */
export function withoutTestVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  delete env.NODE_ENV;
  for (const key of Object.keys(env)) if (key.startsWith('E2E_') || key.startsWith('JEST') || key.endsWith('_PORT')) delete env[key];
  return env;
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // the group is already gone
  }
}

/** Processes of process group `group` that still run (an exited one waiting to be reaped does not count). */
export function liveProcessesIn(group: number): number {
  let live = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: the fields after the command's closing parenthesis.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === group && state !== 'Z') live += 1;
    } catch {
      // it ended between the listing and the read
    }
  }
  return live;
}
