import fc from 'fast-check';
import { Engine, type Command } from '../../src/domain/engine';
import { checkInvariants } from './helpers';
import { StreamDriver, intent } from './streams';

/**
 * The fast book and the naive reference book, driven by the same random command streams, must
 * produce identical results (codes and events) for every command, and the engine's invariants
 * (uncrossed books, conservation, no negative balance, locked = reservations) must hold after
 * every command. Default run: RUNS × COMMANDS_PER_RUN = 100,000 commands.
 */
const RUNS = Number(process.env.ENGINE_PROPERTY_RUNS ?? 50);
const COMMANDS_PER_RUN = 2_000;

test(`fast and reference books agree on ${RUNS * COMMANDS_PER_RUN} random commands, invariants hold throughout`, () => {
  let applied = 0;
  let trades = 0;
  fc.assert(
    fc.property(fc.array(intent, { minLength: COMMANDS_PER_RUN, maxLength: COMMANDS_PER_RUN }), fc.nat(COMMANDS_PER_RUN - 1), (intents, restoreAt) => {
      const fast = new Engine({ book: 'fast' });
      const reference = new Engine({ book: 'reference' });
      const driver = new StreamDriver();
      const journal: Command[] = [];
      let snapshot: string | undefined;
      const step = (command: Command) => {
        const a = fast.apply(command);
        const b = reference.apply(command);
        expect(a).toEqual(b);
        checkInvariants(fast);
        driver.observe(a);
        applied++;
        for (const e of a.events) if (e.type === 'Trade') trades++;
      };
      driver.opening().forEach(step);
      intents.forEach((i, index) => {
        if (index === restoreAt) snapshot = JSON.stringify(fast.snapshot());
        const command = driver.command(i);
        if (snapshot !== undefined) journal.push(command);
        step(command);
      });
      expect(fast.stateHash()).toBe(reference.stateHash());
      // A process restored from the mid-stream snapshot and replaying the journal ends identical.
      const restored = Engine.restore(JSON.parse(snapshot as string));
      for (const command of journal) restored.apply(command);
      expect(restored.stateHash()).toBe(fast.stateHash());
    }),
    { numRuns: RUNS, endOnFailure: true },
  );
  expect(applied).toBeGreaterThanOrEqual(RUNS * COMMANDS_PER_RUN);
  // The streams must actually exercise matching, not just be rejected.
  expect(trades).toBeGreaterThan(applied / 20);
});
