import type { MikroORM } from '@mikro-orm/postgresql';
import { canonicalDecimal, isFundingAdjustmentKey, type BalanceTotals } from '@tradegraph/shared';
import { amountToAtoms, atomsToAmount, formatDecimal, quantityToLots, priceToTicks, type MarketSpec } from '../domain/engine';
import { ENGINE_ASSET_DECIMALS } from '../domain/catalog';
import { OrderRejected, rejectionMessage, throwIfRejected, toPlaceOrder, unitsOrReject, type OrderRequest } from '../domain/orders';
import { OrderRecord } from '../infra/entities';
import { clientOrderKey, type BalanceRow, type OrderRow } from './projection';
import type { Sequencer } from './sequencer';
import type { ListingCatalog } from './listing-catalog';

/** An order as the API returns it: the live projection row or the stored read-model row. */
export type OrderView = OrderRow | OrderRecord;

/**
 * What the API asks of the engine, in the engine's terms: idempotent placement on
 * clientOrderId, cancels and amends restricted to the owner, balances, demo credits. Every
 * call returns after its command is durable.
 */
export class Exchange {
  /** Placements in flight by user+clientOrderId, so a retry racing the original gets the same order. */
  private readonly placing = new Map<string, Promise<OrderView>>();

  constructor(
    readonly sequencer: Sequencer,
    private readonly orm: MikroORM,
    /** Sessions and asset precision from the listing (a market or asset it has not heard of: 24/7, 8 decimals). */
    readonly catalog: ListingCatalog,
  ) {}

  private spec(market: string): MarketSpec {
    const spec = this.sequencer.engine.marketSpec(market);
    if (!spec) throw new OrderRejected('UNKNOWN_MARKET', rejectionMessage('UNKNOWN_MARKET'));
    return spec;
  }

  private async stored(where: Partial<Pick<OrderRecord, 'id' | 'userId' | 'clientOrderId'>>): Promise<OrderRecord | null> {
    return this.orm.em.fork().findOne(OrderRecord, where);
  }

  /** The order as it is now: live and recently finished orders from memory, older ones from the read model. */
  async view(orderId: number): Promise<OrderView | null> {
    return this.sequencer.projection.order(orderId) ?? (await this.stored({ id: String(orderId) }));
  }

  /**
   * The order a user's clientOrderId already names, if any. Memory answers for live and recently
   * finished orders; the projection's filter of every key ever accepted says when a key is new
   * for certain (nearly always), and only otherwise is the read model asked.
   */
  private async existing(userId: string, clientOrderId: string): Promise<OrderView | null> {
    const projection = this.sequencer.projection;
    const known = projection.orderByClientId(userId, clientOrderId);
    if (known) return known;
    if (!projection.knownClientKeys.mayHave(clientOrderKey(userId, clientOrderId))) return null;
    return this.stored({ userId, clientOrderId });
  }

  placeOrder(userId: string, request: OrderRequest): Promise<OrderView> {
    const key = clientOrderKey(userId, request.clientOrderId);
    const inFlight = this.placing.get(key);
    if (inFlight) return inFlight;
    const placement = (async () => {
      const existing = await this.existing(userId, request.clientOrderId);
      if (existing) return existing; // the same request again: answer with the first order
      const spec = this.spec(request.market);
      // Before the command is journaled: a replay never reads the clock (docs/architecture.md, "Trading hours").
      this.catalog.requireOpen(spec.id, Date.now());
      if (request.quoteAmount != null) this.catalog.requirePrecision(spec.quote, request.quoteAmount, 'quoteAmount');
      const command = toPlaceOrder(request, spec, userId);
      const { result } = await this.sequencer.submit(command);
      throwIfRejected(result);
      return (await this.view(result.orderId!))!;
    })();
    this.placing.set(key, placement);
    void placement.finally(() => this.placing.delete(key)).catch(() => {});
    return placement;
  }

  async cancelOrder(userId: string, target: { orderId?: number; clientOrderId?: string }): Promise<OrderView> {
    const { result } = await this.sequencer.submit({ type: 'CancelOrder', user: userId, ...target });
    throwIfRejected(result);
    const cancelled = result.events.find((e) => e.type === 'OrderCancelled');
    return (await this.view(cancelled && 'orderId' in cancelled ? cancelled.orderId : target.orderId!))!;
  }

  async amendOrder(userId: string, orderId: number, changes: { price?: string | null; quantity?: string | null }): Promise<OrderView> {
    const live = this.sequencer.projection.liveOrders.get(orderId);
    if (!live || live.userId !== userId) throw new OrderRejected('UNKNOWN_ORDER', rejectionMessage('UNKNOWN_ORDER'));
    const spec = this.spec(live.market);
    // An amended price could trade: outside the session only cancels work.
    this.catalog.requireOpen(spec.id, Date.now());
    // The API speaks of the order's total quantity; the engine of what is left to fill.
    const remaining = changes.quantity == null ? undefined : unitsOrReject(quantityToLots(spec, changes.quantity)) - live.filledLots;
    if (remaining !== undefined && remaining <= 0) {
      throw new OrderRejected('INVALID_ORDER', 'The new quantity must be more than what has already filled');
    }
    const { result } = await this.sequencer.submit({
      type: 'AmendOrder',
      user: userId,
      orderId,
      price: changes.price == null ? undefined : unitsOrReject(priceToTicks(spec, changes.price)),
      quantity: remaining,
    });
    throwIfRejected(result);
    return (await this.view(orderId))!;
  }

  async cancelAll(userId: string, market?: string | null): Promise<number> {
    const { result } = await this.sequencer.submit({ type: 'CancelAll', user: userId, ...(market ? { market } : {}) });
    throwIfRejected(result);
    return result.events.filter((e) => e.type === 'OrderCancelled').length;
  }

  /** Credits (or debits) a trading balance; repeated keys change nothing. */
  async adjustBalance(userId: string, asset: string, amount: string, idempotencyKey: string): Promise<BalanceRow> {
    const negative = amount.startsWith('-');
    const atoms = amountToAtoms(ENGINE_ASSET_DECIMALS, negative ? amount.slice(1) : amount);
    if (!atoms.ok || atoms.value === 0)
      throw new OrderRejected('INVALID_AMOUNT', `amount must be a non-zero multiple of 1e-${ENGINE_ASSET_DECIMALS}`);
    const { result } = await this.sequencer.submit({
      type: 'AdjustBalance',
      user: userId,
      asset,
      amount: negative ? -atoms.value : atoms.value,
      idempotencyKey: `${userId}:${idempotencyKey}`,
    });
    throwIfRejected(result);
    return this.balance(userId, asset);
  }

  /** A balance as users see it: cut to the asset's precision (the engine keeps 8 decimals). */
  balance(userId: string, asset: string): BalanceRow {
    const view = this.sequencer.engine.balanceOf(userId, asset);
    return {
      userId,
      asset,
      available: this.catalog.shown(asset, canonicalDecimal(atomsToAmount(ENGINE_ASSET_DECIMALS, view.available))),
      locked: this.catalog.shown(asset, canonicalDecimal(atomsToAmount(ENGINE_ASSET_DECIMALS, view.locked))),
    };
  }

  /** Every asset the user holds anything of. */
  balances(userId: string): BalanceRow[] {
    return this.assets()
      .map((asset) => this.balance(userId, asset))
      .filter((b) => b.available !== '0' || b.locked !== '0');
  }

  /** Every asset's totals as decimals (the contract's BalanceTotals): users' available and locked, fees, adjustments not from funding. */
  totals(): BalanceTotals {
    const text = (atoms: bigint) => (atoms < 0n ? `-${canonicalDecimal(formatDecimal(-atoms, ENGINE_ASSET_DECIMALS))}` : canonicalDecimal(formatDecimal(atoms, ENGINE_ASSET_DECIMALS)));
    // The engine's key is `<userId>:<caller's key>`.
    const totals = this.sequencer.engine.assetTotals((key) => !isFundingAdjustmentKey(key.slice(key.indexOf(':') + 1)));
    return {
      assets: [...totals]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([asset, t]) => ({ asset, available: text(t.available), locked: text(t.locked), fees: text(t.fees), otherAdjustments: text(t.otherAdjustments) })),
    };
  }

  /** Whether some listed market trades `asset`. */
  hasAsset(asset: string): boolean {
    return this.assets().includes(asset);
  }

  private assets(): string[] {
    const assets = new Set<string>();
    for (const id of this.sequencer.engine.marketIds()) {
      const spec = this.spec(id);
      assets.add(spec.base);
      assets.add(spec.quote);
    }
    return [...assets].sort();
  }
}
