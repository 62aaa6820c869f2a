import {
  Engine,
  type Command,
  type CommandResult,
  type EngineEvent,
  type EngineOptions,
  type MarketSpec,
  type PlaceOrder,
} from '../../src/domain/engine';

type WithoutTs<T> = T extends unknown ? Omit<T, 'ts'> : never;
export type Input = WithoutTs<Command>;
export type OrderInput = Omit<PlaceOrder, 'type' | 'ts' | 'market'> & { market?: string };

/** A 1:1 market: one tick = 1 quote atom per lot, one lot = 1 base atom, so notional = price × qty. */
export function simpleMarket(overrides: Partial<MarketSpec> = {}): MarketSpec {
  return {
    id: 'BTC-USD',
    base: 'BTC',
    quote: 'USD',
    baseDecimals: 0,
    quoteDecimals: 0,
    tickSize: '1',
    lotSize: '1',
    makerFeeBps: 0,
    takerFeeBps: 0,
    maxPriceTicks: 1_000_000,
    maxQuantityLots: 1_000_000,
    ...overrides,
  };
}

/** Drives an engine with an advancing clock and checks the invariants after every command. */
export class Harness {
  readonly engine: Engine;
  ts = 1_000;

  constructor(options: EngineOptions = {}, spec: MarketSpec | null = simpleMarket()) {
    this.engine = new Engine(options);
    if (spec) this.ok({ type: 'AddMarket', spec });
  }

  run(command: Input, ts = this.ts): CommandResult {
    this.ts = Math.max(this.ts, ts);
    const result = this.engine.apply({ ...command, ts: this.ts } as Command);
    checkInvariants(this.engine);
    return result;
  }

  ok(command: Input, ts?: number): CommandResult {
    const result = this.run(command, ts);
    if (result.code !== 'OK') throw new Error(`${command.type} failed: ${result.code}`);
    return result;
  }

  fund(user: string, asset: string, amount: number): void {
    this.ok({ type: 'AdjustBalance', user, asset, amount, idempotencyKey: `fund-${user}-${asset}-${this.ts}-${Math.random()}` });
  }

  place(order: OrderInput, ts?: number): CommandResult {
    return this.run({ type: 'PlaceOrder', market: 'BTC-USD', ...order } as Input, ts);
  }

  /** Places an order that must be accepted; returns its id. */
  placed(order: OrderInput, ts?: number): number {
    const result = this.place(order, ts);
    if (result.code !== 'OK' || result.orderId === undefined) throw new Error(`place failed: ${result.code}`);
    return result.orderId;
  }

  balance(user: string, asset: string) {
    return this.engine.balanceOf(user, asset);
  }
}

export function eventsOf<T extends EngineEvent['type']>(result: CommandResult, type: T): Extract<EngineEvent, { type: T }>[] {
  return result.events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
}

/**
 * The engine's invariants, checked from its snapshot:
 *  - no book is crossed (best bid < best ask);
 *  - no balance is negative;
 *  - per asset, available + locked over all users plus fees equals net AdjustBalance (conservation);
 *  - per user and asset, locked equals the sum of the reservations of that user's live orders.
 */
export function checkInvariants(engine: Engine): void {
  const snapshot = engine.snapshot();
  for (const { spec } of snapshot.markets) {
    const { bids, asks } = engine.depth(spec.id, 1);
    if (bids.length > 0 && asks.length > 0 && bids[0].price >= asks[0].price) {
      throw new Error(`book ${spec.id} crossed: bid ${bids[0].price} >= ask ${asks[0].price}`);
    }
  }
  const held = new Map<string, bigint>();
  const locked = new Map<string, number>();
  for (const [user, asset, available, lockedAmount] of snapshot.balances) {
    if (available < 0 || lockedAmount < 0) throw new Error(`negative balance ${user} ${asset}: ${available}/${lockedAmount}`);
    if (!Number.isSafeInteger(available) || !Number.isSafeInteger(lockedAmount)) throw new Error(`unsafe balance ${user} ${asset}`);
    held.set(asset, (held.get(asset) ?? 0n) + BigInt(available) + BigInt(lockedAmount));
    locked.set(`${user}/${asset}`, lockedAmount);
  }
  for (const [asset, amount] of snapshot.fees) held.set(asset, (held.get(asset) ?? 0n) + BigInt(amount));
  const supply = new Map(snapshot.supply.map(([asset, amount]) => [asset, BigInt(amount)]));
  for (const asset of new Set([...held.keys(), ...supply.keys()])) {
    if ((held.get(asset) ?? 0n) !== (supply.get(asset) ?? 0n)) {
      throw new Error(`${asset} not conserved: held ${held.get(asset)} vs supply ${supply.get(asset)}`);
    }
  }
  const reserved = new Map<string, number>();
  for (const order of snapshot.orders) {
    if (order.reserved < 0) throw new Error(`order ${order.id} has negative reservation`);
    const key = `${order.user}/${order.reserveAsset}`;
    reserved.set(key, (reserved.get(key) ?? 0) + order.reserved);
  }
  for (const key of new Set([...locked.keys(), ...reserved.keys()])) {
    if ((locked.get(key) ?? 0) !== (reserved.get(key) ?? 0)) {
      throw new Error(`locked ${key} = ${locked.get(key) ?? 0} but orders reserve ${reserved.get(key) ?? 0}`);
    }
  }
}
