import { createLogger, flushLogs } from '@tradegraph/shared';

/**
 * The last line of a start-up, for the person at the terminal: where the playground is, which
 * mode, which database and which Redis. Also logged as JSON for log collectors.
 */
export function announce(facts: { mode: string; playground: string; database: string; redis: string; chains?: string }): void {
  const logger = createLogger('start');
  logger.info(facts, 'Tradegraph is running');
  // Every process's buffered log lines first, so this stays the last thing printed.
  flushLogs();
  process.stdout.write(
    `\nTradegraph is running (${facts.mode}) — playground ${facts.playground}\n` +
      `  database: ${facts.database}\n  redis:    ${facts.redis}\n${facts.chains ? `  chains:   ${facts.chains}\n` : ''}  stop with Ctrl-C (or SIGTERM): an orderly shutdown\n`,
  );
}
