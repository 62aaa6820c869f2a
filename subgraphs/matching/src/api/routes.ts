import type { Express } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { TRADE_HISTORY_MAX_PAGE, TRADE_HISTORY_PATH } from '@tradegraph/shared';
import { tradesAfter } from '../infra/trade-history';
import type { MatchingServices } from '../app/services';

/** `GET /internal/trades?market=BTC-USDT&after=<tradeId>&limit=<n>`: for other services inside the system, never routed by the gateway. */
export function tradeHistoryRoute(app: Express, orm: MikroORM): void {
  app.get(TRADE_HISTORY_PATH, async (req, res) => {
    const market = typeof req.query.market === 'string' ? req.query.market : '';
    const after = typeof req.query.after === 'string' ? req.query.after : '0';
    const limit = Number(req.query.limit ?? 1000);
    if (!market || !/^\d{1,18}$/.test(after) || !Number.isInteger(limit) || limit < 1 || limit > TRADE_HISTORY_MAX_PAGE) {
      res.status(400).json({ code: 'BAD_USER_INPUT', message: `market is required, after a trade id, limit 1..${TRADE_HISTORY_MAX_PAGE}` });
      return;
    }
    try {
      res.json({ trades: await tradesAfter(orm, market, BigInt(after), limit) });
    } catch (error) {
      res.status(503).json({ code: 'UNAVAILABLE', message: String(error) });
    }
  });
}

/** `GET /engine/state`: where the engine stands, the last durable sequence number and the state hash (crash tests, operators). */
export function engineStateRoute(app: Express, services: MatchingServices): void {
  app.get('/engine/state', async (_req, res) => {
    res.json(await services.engine.state());
  });
}
