import express, { type Express } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import {
  BALANCE_ADJUST_BATCH_MAX,
  BALANCE_ADJUST_BATCH_PATH,
  BALANCE_ADJUST_PATH,
  BALANCE_TOTALS_PATH,
  DomainError,
  TRADE_HISTORY_MAX_PAGE,
  TRADE_HISTORY_PATH,
  type BalanceAdjusted,
  type BalanceAdjustment,
  type BalanceAdjustmentBatch,
  type BalanceAdjustmentBatchResult,
  type BalanceAdjustmentOutcome,
  type BalanceAdjustmentRefused,
} from '@tradegraph/shared';
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

/** A body's entry as an adjustment, or the reason it is not one. */
function parseAdjustment(body: unknown): BalanceAdjustment | string {
  const { userId, asset, amount, idempotencyKey } = (body ?? {}) as Partial<Record<keyof BalanceAdjustment, unknown>>;
  if (
    typeof userId !== 'string' ||
    !/^[0-9a-f-]{36}$/i.test(userId) ||
    typeof asset !== 'string' ||
    typeof amount !== 'string' ||
    !/^-?\d{1,20}(\.\d{1,18})?$/.test(amount) ||
    typeof idempotencyKey !== 'string' ||
    idempotencyKey.length === 0 ||
    idempotencyKey.length > 128
  ) {
    return 'userId (a UUID), asset, amount (a decimal string) and idempotencyKey (1..128 characters) are required';
  }
  return { userId, asset, amount, idempotencyKey };
}

type AdjustmentFailure = Exclude<BalanceAdjustmentOutcome, { status: 'done' }>;

/** What an adjustment's error answers: a refusal for good (400/422 and its code) or "send it again" (503). */
function adjustmentFailure(error: unknown): AdjustmentFailure {
  if (error instanceof DomainError && !['SERVICE_UNAVAILABLE', 'UNAVAILABLE'].includes(error.code)) {
    return { status: 'refused', code: error.code, message: error.message };
  }
  return { status: 'unavailable', message: 'The engine cannot take commands now; send the same request again' };
}

/**
 * `POST /internal/balances/adjust` (shared/src/contracts/matching-adjustments.ts): funding's
 * credits. The command goes through the sequencer like any other (journaled before the answer);
 * the engine keeps every applied key, so a repeated key answers the first result.
 * `POST /internal/balances/adjust/batch` takes many at once: each entry is the same command with
 * its own key, all submitted together so that the sequencer journals them in one group commit.
 */
export function balanceAdjustRoute(app: Express, services: MatchingServices): void {
  app.post(BALANCE_ADJUST_PATH, express.json({ limit: '4kb' }), async (req, res) => {
    const refuse = (status: number, code: string, message: string) =>
      res.status(status).json({ code, message } satisfies BalanceAdjustmentRefused);
    const adjustment = parseAdjustment(req.body);
    if (typeof adjustment === 'string') return refuse(400, 'BAD_USER_INPUT', adjustment);
    const { userId, asset, amount, idempotencyKey } = adjustment;
    try {
      const exchange = services.engine.current();
      if (!exchange.hasAsset(asset)) return refuse(400, 'BAD_USER_INPUT', `${asset.slice(0, 20)} is not an asset of any market`);
      const balance = await exchange.adjustBalance(userId, asset, amount, idempotencyKey);
      res.json(balance satisfies BalanceAdjusted);
    } catch (error) {
      const failure = adjustmentFailure(error);
      if (failure.status === 'refused') return refuse(422, failure.code, failure.message);
      refuse(503, 'SERVICE_UNAVAILABLE', failure.message);
    }
  });

  app.post(BALANCE_ADJUST_BATCH_PATH, express.json({ limit: '1mb' }), async (req, res) => {
    const entries = (req.body as Partial<BalanceAdjustmentBatch> | undefined)?.adjustments;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > BALANCE_ADJUST_BATCH_MAX) {
      res
        .status(400)
        .json({
          code: 'BAD_USER_INPUT',
          message: `adjustments must be a list of 1..${BALANCE_ADJUST_BATCH_MAX} adjustments`,
        } satisfies BalanceAdjustmentRefused);
      return;
    }
    let exchange: ReturnType<MatchingServices['engine']['current']>;
    try {
      exchange = services.engine.current();
    } catch (error) {
      const failure = adjustmentFailure(error);
      res.json({ results: entries.map(() => failure) } satisfies BalanceAdjustmentBatchResult);
      return;
    }
    // Every entry is submitted before any is awaited: the sequencer journals them together.
    const outcomes = entries.map(async (entry): Promise<BalanceAdjustmentOutcome> => {
      const adjustment = parseAdjustment(entry);
      if (typeof adjustment === 'string') return { status: 'refused', code: 'BAD_USER_INPUT', message: adjustment };
      const { userId, asset, amount, idempotencyKey } = adjustment;
      if (!exchange.hasAsset(asset))
        return { status: 'refused', code: 'BAD_USER_INPUT', message: `${asset.slice(0, 20)} is not an asset of any market` };
      try {
        return { status: 'done', balance: await exchange.adjustBalance(userId, asset, amount, idempotencyKey) };
      } catch (error) {
        return adjustmentFailure(error);
      }
    });
    res.json({ results: await Promise.all(outcomes) } satisfies BalanceAdjustmentBatchResult);
  });
}

/** `GET /internal/balances/totals` (shared/src/contracts/matching-adjustments.ts): every asset's totals, read-only (funding's reconciliation). */
export function balanceTotalsRoute(app: Express, services: MatchingServices): void {
  app.get(BALANCE_TOTALS_PATH, (_req, res) => {
    try {
      res.json(services.engine.current().totals());
    } catch {
      res.status(503).json({ code: 'SERVICE_UNAVAILABLE', message: 'The engine cannot answer now; ask again' } satisfies BalanceAdjustmentRefused);
    }
  });
}
