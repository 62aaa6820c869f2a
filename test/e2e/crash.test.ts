import path from 'node:path';
import { Client } from 'pg';
import { Engine } from '../../subgraphs/matching/src/domain/engine';
import { credit, gql, signUp } from '../harness/client';
import { INTERNAL_HEADERS, ownSystem, startOwnSystem } from '../harness/env';

// Durable before acknowledged: orders stream in through the gateway, the matching process is
// killed with SIGKILL in the middle, and after a restart every acknowledged order is there and
// the engine's state equals a fresh replay of the journal.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(4000, 'crash');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;

describe('matching survives SIGKILL', () => {
  let system: any;

  beforeAll(async () => {
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      services: ['accounts', 'markets', 'matching'],
      env: { MATCHING_SNAPSHOT_EVERY: '50' }, // snapshots mid-stream too, so restart = snapshot + replay
    });
  }, 90000);

  afterAll(async () => {
    await system?.stop();
  });

  it('keeps every acknowledged order and restores the exact state', async () => {
    const users = await Promise.all([signUp(GATEWAY), signUp(GATEWAY), signUp(GATEWAY)]);
    for (const user of users) {
      await credit(user.token, 'USDT', '1000000', GATEWAY);
      await credit(user.token, 'BTC', '100', GATEWAY);
    }
    const acknowledged: { token: string; id: string; clientOrderId: string }[] = [];
    let sent = 0;
    let killed = false;
    const sendOne = async (n: number) => {
      const user = users[n % users.length];
      const side = n % 2 === 0 ? 'buy' : 'sell';
      const price = (60000 + ((n * 37) % 200) * (side === 'buy' ? -1 : 1) + (side === 'buy' ? 50 : -50)).toFixed(2);
      const clientOrderId = `crash-${n}`;
      try {
        const result = await gql(
          'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
          { input: { market: 'BTC-USDT', side, type: 'limit', price, quantity: '0.01', clientOrderId } },
          { token: user.token, url: GATEWAY },
        );
        if (result.data?.placeOrder) acknowledged.push({ token: user.token, id: result.data.placeOrder.id, clientOrderId });
      } catch {
        // the connection died with the process: not acknowledged
      }
    };
    const bookSequence = async () =>
      (await gql('{ orderBook(market: "BTC-USDT", depth: 1) { sequence } }', {}, { url: GATEWAY })).data?.orderBook.sequence as number;
    // Waves of concurrent orders; the kill lands while a wave is in flight.
    let sequenceBeforeKill = 0;
    for (let wave = 0; wave < 12; wave += 1) {
      const inFlight = Array.from({ length: 25 }, () => sendOne(sent++));
      if (wave === 8) {
        sequenceBeforeKill = await bookSequence();
        await new Promise((resolve) => setTimeout(resolve, 5));
        system.children.matching.kill('SIGKILL');
        killed = true;
      }
      await Promise.all(inFlight);
      if (killed) break;
    }
    expect(acknowledged.length).toBeGreaterThan(150);
    expect(acknowledged.length).toBeLessThan(sent + 1);

    await system.restart('matching');
    // The book's numbering goes on from the journal: never back to where it was, so a client
    // holding an older snapshot sees the jump and reads the book again.
    expect(sequenceBeforeKill).toBeGreaterThan(0);
    expect(await bookSequence()).toBeGreaterThan(sequenceBeforeKill);
    for (const order of acknowledged) {
      const result = await gql(
        'query ($id: ID!) { order(id: $id) { id clientOrderId } }',
        { id: order.id },
        { token: order.token, url: GATEWAY },
      );
      expect(result.data?.order).toEqual({ id: order.id, clientOrderId: order.clientOrderId });
    }

    // A fresh engine replaying the whole journal reaches the state the restarted process has.
    const state = await (await fetch(`http://127.0.0.1:${PORT_BASE + 6}/engine/state`, { headers: INTERNAL_HEADERS })).json();
    const db = new Client({ connectionString: system.databaseUrl });
    await db.connect();
    const engine = new Engine();
    // The engine journals a Tick every second (MATCHING_TICK_MS), so the journal may already have
    // moved past the state read a moment ago: the comparison stops at that state's sequence number.
    const { rows } = await db.query('select seq, command from matching.journal where seq <= $1 order by seq', [state.seq]);
    const { rows: snapshots } = await db.query(
      'select seq::int as seq, state, state_hash from matching.snapshots where seq <= $1 order by seq',
      [state.seq],
    );
    await db.end();
    // Snapshots are written after their batch, on their own: each one is still exactly the state
    // the journal reaches at its sequence number, and restoring it gives the same state.
    const snapshotAt = new Map(snapshots.map((s) => [s.seq, s]));
    let checked = 0;
    for (const row of rows) {
      engine.apply(row.command);
      const snapshot = snapshotAt.get(Number(row.seq));
      if (!snapshot) continue;
      expect(snapshot.state_hash).toBe(engine.stateHash());
      expect(Engine.restore(snapshot.state).stateHash()).toBe(snapshot.state_hash);
      checked += 1;
    }
    expect(Number(rows[rows.length - 1].seq)).toBe(state.seq);
    expect(engine.stateHash()).toBe(state.stateHash);
    expect(checked).toBe(snapshots.length);
    expect(checked).toBeGreaterThan(1);
  });
});
