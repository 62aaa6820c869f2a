import { config, type Config } from './config';
import { flushLogs, type Logger } from './logger';
import { stopTracing } from './tracing';

/** How long an orderly shutdown may take before the process gives up and exits (SHUTDOWN_TIMEOUT_MS). */
export function shutdownTimeoutMs(settings: Config = config()): number {
  return settings.SHUTDOWN_TIMEOUT_MS;
}

/**
 * The one orderly shutdown of a process. On the first SIGTERM or SIGINT, `stop` runs (stop
 * accepting, drain requests and sockets, flush what must be durable, close pools) and the process
 * exits 0 when it is done, or 1 if it failed or took longer than SHUTDOWN_TIMEOUT_MS. A second
 * signal while stopping exits at once (a person pressing Ctrl-C twice means it).
 *
 * Apollo Server would stop itself on these signals and re-send them (its
 * `stopOnTerminationSignals`, on unless NODE_ENV=test), killing the process before this ran:
 * every server here is built with that option off, so this is the only handler.
 */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger, timeoutMs = shutdownTimeoutMs()): void {
  let stopping = false;
  const exit = (code: number) => {
    flushLogs();
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while stopping: exiting now');
      exit(1);
    }
    stopping = true;
    const startedAt = Date.now();
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown did not finish in time; exiting');
      exit(1);
    }, timeoutMs).unref();
    // stopTracing: the last requests' spans leave before the process does (nothing when tracing is off).
    stop().finally(stopTracing).then(
      () => {
        logger.info({ ms: Date.now() - startedAt }, 'stopped');
        exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  stopWhenSupervisorDies(() => onSignal('SIGTERM'));
}

/**
 * A process the launcher supervises runs in a process group of its own, so a terminal's Ctrl-C
 * reaches only the launcher, which then stops each process once. Should the launcher itself die
 * (kill -9), its processes notice that their parent changed and stop in order too, instead of
 * holding the ports as orphans.
 */
function stopWhenSupervisorDies(stop: () => void): void {
  const supervisor = config().TRADEGRAPH_SUPERVISOR_PID;
  if (!supervisor) return;
  const timer = setInterval(() => {
    if (process.ppid === supervisor) return;
    clearInterval(timer);
    stop();
  }, 1000);
  timer.unref();
}
