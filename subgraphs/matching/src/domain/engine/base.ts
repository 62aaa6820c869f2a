import type { BookSideFactory } from './book';
import type { MarketState, Order } from './market';
import type { Command, CommandResult, EngineEvent, RejectCode } from './types';

/** A command refused: thrown by a handler before it changes anything, answered by Engine.apply. */
export class Rejection {
  constructor(readonly code: RejectCode) {}
}

/**
 * What every part of the engine shares: the clock, the markets, the id counter and the events of
 * the command being applied.
 *
 * The engine is one object built in layers, one file each, every layer using only those below it
 * (docs/architecture.md, "The matching engine"):
 *   EngineBase → Risk (balances, locks, reservations, fees) → OrderLifecycle (live orders: rest,
 *   complete, cancel, OCO pairs) → Matching (a taker against the book) → Triggers (stops, OCO
 *   triggers, expiry) → EngineState (snapshot, restore, state hash) → Engine (commands in,
 *   results and events out). Layers rather than separate objects: every call on the hot path
 *   stays a call on one object, as fast as when it was one class.
 */
export abstract class EngineBase {
  protected clock = 0;
  protected commandSeq = 0;
  protected nextOrderId = 1;
  protected readonly markets = new Map<string, MarketState>();
  /** Decimals of every asset a market uses; markets sharing an asset must agree. */
  protected readonly assetDecimals = new Map<string, number>();

  // Scratch state of the command being applied. Events collect in a reused buffer and are copied
  // out at the end into an array of exactly the right size: a fresh `[]` grown by push allocates
  // a 17-slot backing store per command, and allocation volume is what the GC bills us for.
  protected readonly eventBuffer: EngineEvent[] = [];
  protected eventCount = 0;

  constructor(protected readonly bookSide: BookSideFactory<Order>) {}

  protected emit(event: EngineEvent): void {
    this.eventBuffer[this.eventCount++] = event;
  }

  /** The command's events from `from` on, as a new array; empties the buffer (dropping its references
   *  so that events do not outlive the command). */
  protected takeEvents(from = 0): EngineEvent[] {
    const buffer = this.eventBuffer;
    const count = this.eventCount;
    const events = buffer.slice(from, count);
    for (let i = 0; i < count; i++) buffer[i] = undefined as unknown as EngineEvent;
    this.eventCount = 0;
    return events;
  }

  protected rejected(command: Command, code: RejectCode): CommandResult {
    const event: EngineEvent = { type: 'Rejected', command: command.type, code };
    if (command.type === 'PlaceOrder' && command.clientOrderId !== undefined) event.clientOrderId = command.clientOrderId;
    if ((command.type === 'CancelOrder' || command.type === 'AmendOrder') && command.orderId !== undefined) event.orderId = command.orderId;
    this.emit(event);
    return { code, events: this.takeEvents() };
  }
}
