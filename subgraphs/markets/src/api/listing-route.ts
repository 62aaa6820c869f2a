import type express from 'express';
import { LISTING_PATH, type SubgraphPlatform } from '@tradegraph/shared';
import { listingOf } from '../domain/catalog';
import { assetPrecisions, marketsByListing } from '../infra';

/** `GET /listing` (internal): every market with what the matching engine needs, for matching's start and trading's checks. */
export function listingRoute(app: express.Express, { orm }: SubgraphPlatform): void {
  app.get(LISTING_PATH, async (_req, res) => {
    const em = orm.em.fork();
    const markets = await marketsByListing(em);
    const precision = await assetPrecisions(em);
    res.json({ markets: markets.map((market) => listingOf(market, precision)) });
  });
}
