import { Histogram, type Registry } from 'prom-client';

/**
 * How the durable engine's group commit behaves (Sequencer's onBatchDurable): every order's
 * acknowledgement waits for its batch's commit, so these are where an operator sees whether slow
 * answers come from the journal (a slow disk, a busy Postgres) or from elsewhere.
 */
export function journalMetrics(registry: Registry) {
  const seconds = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1];
  return {
    write: new Histogram({
      name: 'matching_journal_write_seconds',
      help: "Time one batch's statement took: journal and read-model rows in one commit",
      buckets: seconds,
      registers: [registry],
    }),
    wait: new Histogram({
      name: 'matching_journal_wait_seconds',
      help: "Time from a batch's oldest command being applied to the batch being durable: the longest any caller of it waited on the journal",
      buckets: seconds,
      registers: [registry],
    }),
    commands: new Histogram({
      name: 'matching_journal_batch_commands',
      help: 'Commands per committed batch (group commit: while one batch is written, the next gathers)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
  };
}

export type JournalMetrics = ReturnType<typeof journalMetrics>;
