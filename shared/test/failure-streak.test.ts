import type { Logger } from 'pino';
import { FailureStreak } from '../src/failure-streak';

/** A logger that keeps its lines (level, fields, message). */
function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, fields, msg });
  return { lines, logger: { warn: at('warn'), info: at('info') } as unknown as Logger };
}

describe('a retried write failing again and again', () => {
  it('logs the first failure, then one line per interval with the tries since, and its recovery once', () => {
    const { lines, logger } = recordingLogger();
    let now = 0;
    const streak = new FailureStreak(logger, 'writing prices to the cache', 10_000, () => now);
    const error = new Error('connect ECONNREFUSED');

    // 20 tries a second for 25 s (the cache write's pace while Redis is down).
    for (; now < 25_000; now += 50) streak.failed(error, { prices: 3 });
    expect(lines.map((l) => [l.level, l.msg, l.fields.failedTries, l.fields.sinceLastLine])).toEqual([
      ['warn', 'writing prices to the cache failed; retrying', 1, 1],
      ['warn', 'writing prices to the cache failed; retrying', 201, 200],
      ['warn', 'writing prices to the cache failed; retrying', 401, 200],
    ]);
    expect(lines[0].fields).toMatchObject({ err: error, prices: 3 });

    streak.succeeded();
    streak.succeeded();
    expect(lines.slice(3)).toEqual([{ level: 'info', fields: { failedTries: 500 }, msg: 'writing prices to the cache works again' }]);

    // A new streak starts over: its first failure is logged at once.
    streak.failed(error);
    expect(lines.at(-1)).toMatchObject({ level: 'warn', fields: { failedTries: 1, sinceLastLine: 1 } });
  });
});
