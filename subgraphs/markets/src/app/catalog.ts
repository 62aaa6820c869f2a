import { recordAdminActionAtAccounts, type EntityManager, type Logger } from '@tradegraph/shared';
import {
  alreadyListed,
  marketSymbol,
  noMarket,
  tradingHoursOf,
  unknownAsset,
  validateMarket,
  validateMarketPrecision,
  type MarketStatus,
  type NewMarket,
} from '../domain/catalog';
import { assetPrecisions, findAssets, findMarket, MarketRecord } from '../infra';
import type { ListingEvents } from '../events/listing';

/** Who asks for an admin change, as the audit log at accounts needs it (their credentials and the request id). */
export interface AdminRequest {
  em: EntityManager;
  logger: Logger;
  reqId: string;
  authorization?: string;
  adminId?: string;
}

/**
 * The catalog's changes (admin): listing a market, suspending and resuming one. Each is
 * recorded in the audit log at accounts before it is made, and announced on the listing
 * channel after it is stored.
 */
export class Catalog {
  constructor(private readonly listing: ListingEvents) {}

  async add(request: AdminRequest, input: NewMarket): Promise<MarketRecord> {
    const { em } = request;
    validateMarket(input);
    const symbol = marketSymbol(input);
    const assets = await findAssets(em, [input.base, input.quote]);
    const precision = new Map(assets.map((a) => [a.symbol, a.precision]));
    for (const field of ['base', 'quote'] as const) {
      if (!precision.has(input[field])) throw unknownAsset(field, input[field]);
    }
    validateMarketPrecision(input, precision.get(input.base)!, precision.get(input.quote)!);
    if (await findMarket(em, symbol)) throw alreadyListed(symbol);
    await recordAdminActionAtAccounts(request, { action: 'add_market', targetType: 'Market', targetId: symbol, details: { ...input } });
    const market = em.create(MarketRecord, {
      symbol,
      baseAsset: input.base,
      quoteAsset: input.quote,
      category: input.category,
      tickSize: input.tickSize,
      lotSize: input.lotSize,
      minNotional: input.minNotional,
      status: 'active',
      referencePrice: input.referencePrice,
      tradingHours: tradingHoursOf(input),
      listedAt: new Date(),
    });
    await em.flush();
    await this.listing.publish(market, precision);
    request.logger.info({ market: symbol, admin: request.adminId }, 'market listed');
    return market;
  }

  async setStatus(request: AdminRequest, symbol: string, status: MarketStatus): Promise<MarketRecord> {
    const { em } = request;
    const market = await findMarket(em, symbol);
    if (!market) throw noMarket(symbol);
    if (market.status !== status) {
      await recordAdminActionAtAccounts(request, {
        action: status === 'suspended' ? 'suspend_market' : 'resume_market',
        targetType: 'Market',
        targetId: symbol,
        details: { from: market.status, to: status },
      });
      market.status = status;
      await em.flush();
      request.logger.info({ market: symbol, status, admin: request.adminId }, 'market status changed');
    }
    // Published even when unchanged, so a listener that missed the first one catches up.
    await this.listing.publish(market, await assetPrecisions(em));
    return market;
  }
}
