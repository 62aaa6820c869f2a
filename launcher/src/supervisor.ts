import { spawn, type ChildProcess } from 'node:child_process';
import { config, createLogger, shutdownTimeoutMs, type Config, type Logger } from '@tradegraph/shared';

export interface SupervisedProcess {
  name: string;
  /** Script run with this node binary. */
  entry: string;
}

export interface SupervisorOptions {
  /** First restart delay; doubles with every crash in a row, up to maxBackoffMs. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** More than this many crashes of one process within crashWindowMs is a crash loop: the system stops. */
  maxCrashes: number;
  crashWindowMs: number;
  /** How long a process must run before its backoff starts over. */
  stableAfterMs: number;
}

export function supervisorOptions(settings: Config = config()): SupervisorOptions {
  return {
    minBackoffMs: settings.RESTART_MIN_BACKOFF_MS,
    maxBackoffMs: settings.RESTART_MAX_BACKOFF_MS,
    maxCrashes: settings.RESTART_MAX_CRASHES,
    crashWindowMs: settings.RESTART_CRASH_WINDOW_MS,
    stableAfterMs: 30_000,
  };
}

interface Slot {
  spec: SupervisedProcess;
  child?: ChildProcess;
  startedAt: number;
  crashes: number[];
  backoffMs: number;
  timer?: NodeJS.Timeout;
}

/**
 * Runs each process of the multi-process system as a child and keeps it running: a process that
 * exits while the system is not stopping is restarted after a backoff (0.5 s, doubling to 15 s;
 * back to the start once it has run 30 s), while the others keep serving. A process that crashes
 * more than RESTART_MAX_CRASHES times within RESTART_CRASH_WINDOW_MS is in a crash loop that a
 * restart will not mend: then the whole system stops, with exit code 1.
 *
 * A small supervisor of our own rather than a process manager library (pm2 and the like): it is
 * about a hundred lines, needs no daemon or global install, and stopping it stops everything.
 */
export class Supervisor {
  private readonly slots: Slot[];
  private stopping = false;
  private readonly logger: Logger = createLogger('supervisor');

  constructor(
    processes: SupervisedProcess[],
    private readonly options: SupervisorOptions = supervisorOptions(),
  ) {
    this.slots = processes.map((spec) => ({ spec, startedAt: 0, crashes: [], backoffMs: options.minBackoffMs }));
  }

  start(): void {
    for (const slot of this.slots) this.launch(slot);
  }

  private launch(slot: Slot): void {
    slot.timer = undefined;
    if (this.stopping) return;
    // A group of its own: a terminal's Ctrl-C reaches the launcher only, which stops each process
    // once (a second signal would make a process exit at once); see stopOnSignals.
    const child = spawn(process.execPath, [slot.spec.entry], {
      stdio: 'inherit',
      detached: true,
      env: { ...process.env, TRADEGRAPH_SUPERVISOR_PID: String(process.pid) },
    });
    slot.child = child;
    slot.startedAt = Date.now();
    child.once('exit', (code, signal) => {
      if (slot.child === child) slot.child = undefined;
      if (this.stopping) return;
      this.crashed(slot, code, signal);
    });
  }

  private crashed(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    const now = Date.now();
    if (now - slot.startedAt >= this.options.stableAfterMs) slot.backoffMs = this.options.minBackoffMs;
    slot.crashes = [...slot.crashes.filter((at) => now - at < this.options.crashWindowMs), now];
    if (slot.crashes.length > this.options.maxCrashes) {
      this.logger.fatal(
        { process: slot.spec.name, code, signal, crashes: slot.crashes.length, windowMs: this.options.crashWindowMs },
        'process is in a crash loop; stopping the system',
      );
      void this.stop().then(() => process.exit(1));
      return;
    }
    const delay = slot.backoffMs;
    slot.backoffMs = Math.min(slot.backoffMs * 2, this.options.maxBackoffMs);
    this.logger.error({ process: slot.spec.name, code, signal, restartInMs: delay }, 'process exited; restarting it');
    this.logger.flush();
    slot.timer = setTimeout(() => this.launch(slot), delay);
  }

  /** Stops every process (SIGTERM: each runs its orderly shutdown), the gateway first; SIGKILL after the shutdown timeout. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const slot of this.slots) if (slot.timer) clearTimeout(slot.timer);
    const exits = [...this.slots].reverse().map((slot) => {
      const child = slot.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), shutdownTimeoutMs() + 2000).unref();
      });
    });
    await Promise.all(exits);
  }
}
