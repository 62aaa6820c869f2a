import type express from 'express';
import { DomainError, REFERENCE_PRICES_PATH, type ReferencePrices } from '@tradegraph/shared';
import { MAX_BULK_PRICES } from '../app/price-book';
import type { MarketsServices } from '../app/services';

/** `GET /internal/prices?markets=A,B` (shared/src/contracts/markets-prices.ts): last prices for the system's own processes. */
export function referencePricesRoute(app: express.Express, services: MarketsServices): void {
  app.get(REFERENCE_PRICES_PATH, async (req, res) => {
    const markets = typeof req.query.markets === 'string' ? req.query.markets.split(',').filter(Boolean) : [];
    if (markets.length === 0 || markets.length > MAX_BULK_PRICES || markets.some((market) => !/^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$/.test(market))) {
      res.status(400).json({ code: 'BAD_USER_INPUT', message: `markets: 1..${MAX_BULK_PRICES} market symbols, comma-separated` });
      return;
    }
    try {
      const quotes = await services.prices.get(markets);
      const body: ReferencePrices = {
        prices: quotes.map((quote) => (quote ? { market: quote.market, price: quote.price, at: quote.at, stale: quote.stale } : null)),
      };
      res.json(body);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'NOT_FOUND') res.status(404).json({ code: 'NOT_FOUND', message: error.message });
      else res.status(503).json({ code: 'SERVICE_UNAVAILABLE', message: 'Prices cannot be read now' });
    }
  });
}
