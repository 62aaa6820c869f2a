import { toUnits, type BookDeltaEvent, type BookLevelEvent } from '@tradegraph/shared/domain';

/**
 * Folds a newer order-book update into an older one not yet sent, for a subscriber that asked
 * for at most `maxPerSecond` updates: the result says what both said. A newer snapshot replaces
 * everything; a delta after a snapshot is applied to it (the result is still a snapshot); two
 * deltas become one whose levels are the newer quantity of every price either touched ("0":
 * gone). The result carries the newer `sequence`, so a coalesced stream's numbers may skip.
 */
export function mergeBookUpdates(older: BookDeltaEvent, newer: BookDeltaEvent): BookDeltaEvent {
  if (newer.snapshot) return newer;
  const bids = mergeLevels(older.bids, newer.bids, older.snapshot, 'desc');
  const asks = mergeLevels(older.asks, newer.asks, older.snapshot, 'asc');
  return { market: newer.market, sequence: newer.sequence, snapshot: older.snapshot, bids, asks };
}

function mergeLevels(older: BookLevelEvent[], newer: BookLevelEvent[], intoSnapshot: boolean, order: 'asc' | 'desc'): BookLevelEvent[] {
  const byPrice = new Map<bigint, BookLevelEvent>();
  for (const level of older) byPrice.set(toUnits(level.price), level);
  for (const level of newer) {
    const price = toUnits(level.price);
    // In a snapshot a level that went away is simply absent; in a delta it stays, as "0".
    if (intoSnapshot && toUnits(level.quantity) === 0n) byPrice.delete(price);
    else byPrice.set(price, level);
  }
  return [...byPrice.entries()]
    .sort(([a], [b]) => (a === b ? 0 : (a < b) === (order === 'asc') ? -1 : 1))
    .map(([, level]) => level);
}
