import BTree from 'sorted-btree';
import { DECIMAL_SCALE, fromUnits, toUnits, type PriceAlertState } from '@tradegraph/shared/domain';
import { ALERT_WINDOWS, WINDOW_MS, type AlertKind, type AlertWindow } from './alerts';

/**
 * The in-memory index of active price alerts (docs/architecture.md, "Price alerts"). A tick of
 * one market fires exactly the alerts it crosses without looking at the others:
 *
 * - ABOVE alerts sit in a B+ tree ordered by threshold, ascending: a price fires the prefix of
 *   thresholds at or under it (O(log n) per threshold fired, nothing for the rest).
 * - BELOW alerts, the same tree read from the other end: the suffix at or over the price.
 * - CHANGE_PERCENT alerts, per window, in two trees ordered by the size of the change (rises,
 *   falls): a tick computes its change against the window's reference price once, then fires the
 *   prefix of percents at or under it.
 *
 * Thresholds and percents are exact: bigint units of 10^-18 (shared/src/decimal.ts). A fired
 * alert leaves the index; the caller puts a repeating one back with `hold` (armed again at the
 * end of its cool-down). Alerts that expire leave at their expiry. Time comes from the caller
 * (epoch ms), so the index is deterministic.
 */

/** What the index keeps of an alert. */
export interface IndexedAlert {
  id: string;
  userId: string;
  market: string;
  kind: AlertKind;
  /** ABOVE / BELOW: the threshold, in units. */
  threshold: bigint | null;
  /** CHANGE_PERCENT: the signed percent, in units. */
  percent: bigint | null;
  window: AlertWindow | null;
  /** Epoch ms after which the alert no longer fires; null: never. */
  expiresAt: number | null;
  /** Epoch ms before which a repeating alert that fired is held out; null or past: armed. */
  rearmAt: number | null;
}

/** One alert a tick fired. */
export interface Firing {
  alert: IndexedAlert;
  /** The price that crossed, as the tick carried it. */
  price: string;
  /** CHANGE_PERCENT: the price the change was measured from. */
  referencePrice: string | null;
  /** Epoch ms of the tick. */
  at: number;
}

type Bucket = Map<string, IndexedAlert>;
const compareUnits = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const compareNumbers = (a: number, b: number) => a - b;
const newTree = () => new BTree<bigint, Bucket>(undefined, compareUnits);
const PERCENT_SCALE = 100n * 10n ** BigInt(DECIMAL_SCALE);

/**
 * A market's price over one window, sampled at 1/300 of the window (1 s for 5 min, 4.8 min for
 * 24 h), so memory stays ~300 samples per market and window at any tick rate. The reference of a
 * tick is the price in force at `now - window` (to the sampling's resolution), or the oldest
 * price known when the history does not reach back that far (a process that just started).
 */
export class WindowHistory {
  private times: number[] = [];
  private prices: bigint[] = [];
  private head = 0;
  private readonly resolution: number;

  constructor(private readonly windowMs: number) {
    this.resolution = windowMs / 300;
  }

  record(now: number, units: bigint): void {
    const last = this.times.length - 1;
    if (last >= this.head && now - this.times[last] < this.resolution) return;
    this.times.push(now);
    this.prices.push(units);
  }

  /** The reference price for a tick at `now`, or undefined before any price. */
  reference(now: number): bigint | undefined {
    const start = now - this.windowMs;
    // Keep one sample at or before the window's start: it is the price in force then.
    while (this.head + 1 < this.times.length && this.times[this.head + 1] <= start) this.head++;
    if (this.head > 512 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.prices = this.prices.slice(this.head);
      this.head = 0;
    }
    return this.head < this.times.length ? this.prices[this.head] : undefined;
  }

  get samples(): number {
    return this.times.length - this.head;
  }
}

/** One market's alerts and price history. */
class MarketAlerts {
  readonly above = newTree();
  readonly below = newTree();
  /** Per window: rises keyed by percent, falls keyed by the fall's size (a positive number). */
  readonly rises = new Map<AlertWindow, BTree<bigint, Bucket>>(ALERT_WINDOWS.map((w) => [w, newTree()]));
  readonly falls = new Map<AlertWindow, BTree<bigint, Bucket>>(ALERT_WINDOWS.map((w) => [w, newTree()]));
  readonly history = new Map<AlertWindow, WindowHistory>(ALERT_WINDOWS.map((w) => [w, new WindowHistory(WINDOW_MS[w])]));

  treeOf(alert: IndexedAlert): { tree: BTree<bigint, Bucket>; key: bigint } {
    switch (alert.kind) {
      case 'ABOVE':
        return { tree: this.above, key: alert.threshold! };
      case 'BELOW':
        return { tree: this.below, key: alert.threshold! };
      default: {
        const percent = alert.percent!;
        return percent > 0n
          ? { tree: this.rises.get(alert.window!)!, key: percent }
          : { tree: this.falls.get(alert.window!)!, key: -percent };
      }
    }
  }
}

function addTo(tree: BTree<bigint, Bucket>, key: bigint, alert: IndexedAlert): void {
  let bucket = tree.get(key);
  if (!bucket) {
    bucket = new Map();
    tree.set(key, bucket);
  }
  bucket.set(alert.id, alert);
}

/** A time-ordered set of alert ids (expiries, re-arms). */
class Schedule {
  private readonly tree = new BTree<number, Set<string>>(undefined, compareNumbers);

  add(at: number, id: string): void {
    let ids = this.tree.get(at);
    if (!ids) {
      ids = new Set();
      this.tree.set(at, ids);
    }
    ids.add(id);
  }

  remove(at: number, id: string): void {
    const ids = this.tree.get(at);
    if (!ids) return;
    ids.delete(id);
    if (ids.size === 0) this.tree.delete(at);
  }

  /** Takes every id due at or before `now`, earliest first. */
  takeDue(now: number): string[] {
    const due: string[] = [];
    for (let at = this.tree.minKey(); at !== undefined && at <= now; at = this.tree.minKey()) {
      for (const id of this.tree.get(at)!) due.push(id);
      this.tree.delete(at);
    }
    return due;
  }
}

export class AlertIndex {
  private readonly markets = new Map<string, MarketAlerts>();
  /** Every alert the index knows, armed or held. */
  private readonly alerts = new Map<string, IndexedAlert>();
  private readonly held = new Set<string>();
  private readonly rearms = new Schedule();
  private readonly expiries = new Schedule();

  /** Alerts known (armed and held). */
  get size(): number {
    return this.alerts.size;
  }

  /** Alerts held out until their cool-down ends. */
  get heldCount(): number {
    return this.held.size;
  }

  /** The markets that hold at least one alert. */
  alertMarkets(): string[] {
    const markets = new Set<string>();
    for (const alert of this.alerts.values()) markets.add(alert.market);
    return [...markets];
  }

  has(id: string): boolean {
    return this.alerts.has(id);
  }

  private market(symbol: string): MarketAlerts {
    let market = this.markets.get(symbol);
    if (!market) {
      market = new MarketAlerts();
      this.markets.set(symbol, market);
    }
    return market;
  }

  /**
   * Adds (or replaces) an active alert: armed at once, or held until `rearmAt` when that lies
   * after `now`. An alert already expired at `now` is not added; returns whether it was.
   */
  add(alert: IndexedAlert, now: number): boolean {
    this.remove(alert.id);
    if (alert.expiresAt !== null && alert.expiresAt <= now) return false;
    this.alerts.set(alert.id, alert);
    if (alert.expiresAt !== null) this.expiries.add(alert.expiresAt, alert.id);
    if (alert.rearmAt !== null && alert.rearmAt > now) {
      this.held.add(alert.id);
      this.rearms.add(alert.rearmAt, alert.id);
    } else {
      const { tree, key } = this.market(alert.market).treeOf(alert);
      addTo(tree, key, alert);
    }
    return true;
  }

  /** Puts a repeating alert that fired back, held until `rearmAt`. */
  hold(alert: IndexedAlert, rearmAt: number, now: number): boolean {
    return this.add({ ...alert, rearmAt }, now);
  }

  /** Removes an alert (cancelled, fired elsewhere, expired); returns whether it was known. */
  remove(id: string): boolean {
    const alert = this.alerts.get(id);
    if (!alert) return false;
    this.alerts.delete(id);
    if (alert.expiresAt !== null) this.expiries.remove(alert.expiresAt, id);
    if (this.held.delete(id)) {
      this.rearms.remove(alert.rearmAt!, id);
    } else {
      this.unarm(alert);
    }
    return true;
  }

  private unarm(alert: IndexedAlert): void {
    const { tree, key } = this.market(alert.market).treeOf(alert);
    const bucket = tree.get(key);
    if (!bucket) return;
    bucket.delete(alert.id);
    if (bucket.size === 0) tree.delete(key);
  }

  /** Drops the alerts expired at `now`; returns them. */
  expire(now: number): IndexedAlert[] {
    const expired: IndexedAlert[] = [];
    for (const id of this.expiries.takeDue(now)) {
      const alert = this.alerts.get(id);
      if (alert) {
        // Its expiry entry is already taken.
        this.alerts.delete(id);
        if (this.held.delete(id)) this.rearms.remove(alert.rearmAt!, id);
        else this.unarm(alert);
        expired.push(alert);
      }
    }
    return expired;
  }

  /** Arms the held alerts whose cool-down ended at `now`. */
  rearm(now: number): number {
    const due = this.rearms.takeDue(now);
    for (const id of due) {
      const alert = this.alerts.get(id);
      if (!alert || !this.held.delete(id)) continue;
      const { tree, key } = this.market(alert.market).treeOf(alert);
      addTo(tree, key, alert);
    }
    return due.length;
  }

  /**
   * One price tick of `market` at `now`: expires and re-arms what is due, then fires (and
   * removes) every armed alert of that market the price crosses. `price` must be a positive
   * decimal; `now` must not go back (the caller drops ticks older than the market's last).
   */
  tick(market: string, price: string, now: number): Firing[] {
    const units = toUnits(price, 'price');
    if (units <= 0n) return [];
    this.expire(now);
    this.rearm(now);
    const alerts = this.market(market);
    const fired: Firing[] = [];
    const fire = (bucket: Bucket, referencePrice: string | null) => {
      for (const alert of bucket.values()) {
        this.alerts.delete(alert.id);
        if (alert.expiresAt !== null) this.expiries.remove(alert.expiresAt, alert.id);
        fired.push({ alert, price, referencePrice, at: now });
      }
    };
    // ABOVE: every threshold at or under the price, lowest first.
    for (let key = alerts.above.minKey(); key !== undefined && key <= units; key = alerts.above.minKey()) {
      fire(alerts.above.get(key)!, null);
      alerts.above.delete(key);
    }
    // BELOW: every threshold at or over the price, highest first.
    for (let key = alerts.below.maxKey(); key !== undefined && key >= units; key = alerts.below.maxKey()) {
      fire(alerts.below.get(key)!, null);
      alerts.below.delete(key);
    }
    for (const window of ALERT_WINDOWS) {
      const history = alerts.history.get(window)!;
      const rises = alerts.rises.get(window)!;
      const falls = alerts.falls.get(window)!;
      // Always asked, so the history drops what fell out of its window even with no alert on it.
      const reference = history.reference(now);
      if (rises.size > 0 || falls.size > 0) {
        if (reference !== undefined && reference !== units) {
          const referencePrice = fromUnits(reference);
          // percent / 100 <= change / reference  <=>  percent (units) <= floor(100 * 10^18 * change / reference)
          const tree = units > reference ? rises : falls;
          const limit = (PERCENT_SCALE * (units > reference ? units - reference : reference - units)) / reference;
          for (let key = tree.minKey(); key !== undefined && key <= limit; key = tree.minKey()) {
            fire(tree.get(key)!, referencePrice);
            tree.delete(key);
          }
        }
      }
      history.record(now, units);
    }
    return fired;
  }
}

/** The index's view of an alert as the contracts carry it. */
export function indexedAlert(state: PriceAlertState): IndexedAlert {
  return {
    id: state.id,
    userId: state.userId,
    market: state.market,
    kind: state.kind,
    threshold: state.threshold === null ? null : toUnits(state.threshold, 'threshold'),
    percent: state.percent === null ? null : toUnits(state.percent, 'percent'),
    window: state.window,
    expiresAt: state.expiresAt === null ? null : Date.parse(state.expiresAt),
    rearmAt: state.rearmsAt === null ? null : Date.parse(state.rearmsAt),
  };
}
