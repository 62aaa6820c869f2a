import type { Express, Response } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { CANDLE_INTERVALS, type CandleInterval } from '../domain/candles';
import { findMarket } from '../infra';
import { streamCandles, streamTicks } from '../infra/candle-store';

/**
 * History for backtests as CSV, streamed page by page (constant memory), oldest first:
 *
 *   GET /export/candles.csv?market=BTC-USDT&interval=1m&from=<ISO>&to=<ISO>&limit=<n>
 *       open_time,open,high,low,close,volume
 *   GET /export/ticks.csv?market=BTC-USDT&from=<ISO>&to=<ISO>&limit=<n>   (market optional: every market)
 *       at,market,price
 *
 * `from` is inclusive, `to` exclusive. At most `limit` rows (default and ceiling
 * MARKETS_EXPORT_MAX_ROWS, 100000: app/settings.ts); a response with exactly `limit` rows may have been cut, so
 * continue from the last row's time. The gateway proxies `/export/*` here.
 *
 * The ticks format `at,market,price` (ISO-8601 UTC time, symbol, decimal price) is exactly what
 * the replay price-feed adapter (src/infra/feeds) plays, so an export can be replayed as a feed.
 */

class ExportInputError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function stringParam(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new ExportInputError(400, 'BAD_USER_INPUT', `${name} must be given once`);
  return value;
}

function dateParam(query: Record<string, unknown>, name: string): Date | undefined {
  const value = stringParam(query, name);
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new ExportInputError(400, 'BAD_USER_INPUT', `${name} must be an ISO-8601 time`);
  return date;
}

function commonParams(query: Record<string, unknown>, max: number) {
  const from = dateParam(query, 'from');
  const to = dateParam(query, 'to');
  if (from && to && from > to) throw new ExportInputError(400, 'BAD_USER_INPUT', 'from must not be after to');
  const limitText = stringParam(query, 'limit');
  const limit = limitText === undefined ? max : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new ExportInputError(400, 'BAD_USER_INPUT', `limit must be between 1 and ${max}`);
  return { from, to, limit };
}

async function requireMarket(orm: MikroORM, symbol: string | undefined): Promise<string> {
  if (!symbol) throw new ExportInputError(400, 'BAD_USER_INPUT', 'market is required');
  const market = await findMarket(orm.em.fork(), symbol);
  if (!market) throw new ExportInputError(404, 'NOT_FOUND', `No market ${symbol}`);
  return symbol;
}

/** Writes rows as they come, waiting when the client reads slowly; stops if it goes away. */
async function streamCsv<T>(res: Response, filename: string, header: string, pages: AsyncGenerator<T[]>, line: (row: T) => string, limit: number) {
  res.status(200);
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${filename}"`);
  res.setHeader('x-row-limit', String(limit));
  res.write(`${header}\n`);
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  for await (const rows of pages) {
    if (closed) {
      await pages.return(undefined);
      return;
    }
    const chunk = rows.map(line).join('');
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

function fail(res: Response, error: unknown) {
  if (res.headersSent) {
    res.destroy(error as Error);
    return;
  }
  if (error instanceof ExportInputError) res.status(error.status).json({ code: error.code, message: error.message });
  else res.status(503).json({ code: 'UNAVAILABLE', message: 'export failed' });
}

export function exportRoutes(app: Express, orm: MikroORM, maxRows: number): void {
  app.get('/export/candles.csv', async (req, res) => {
    try {
      const query = req.query as Record<string, unknown>;
      const interval = stringParam(query, 'interval');
      if (!interval || !(CANDLE_INTERVALS as readonly string[]).includes(interval)) {
        throw new ExportInputError(400, 'BAD_USER_INPUT', `interval must be one of ${CANDLE_INTERVALS.join(', ')}`);
      }
      const { from, to, limit } = commonParams(query, maxRows);
      const market = await requireMarket(orm, stringParam(query, 'market'));
      await streamCsv(
        res,
        `${market}-${interval}.csv`,
        'open_time,open,high,low,close,volume',
        streamCandles(orm, { market, interval: interval as CandleInterval, from, to, limit }),
        (c) => `${c.openTime.toISOString()},${c.open},${c.high},${c.low},${c.close},${c.volume}\n`,
        limit,
      );
    } catch (error) {
      fail(res, error);
    }
  });

  app.get('/export/ticks.csv', async (req, res) => {
    try {
      const query = req.query as Record<string, unknown>;
      const { from, to, limit } = commonParams(query, maxRows);
      const symbol = stringParam(query, 'market');
      const market = symbol === undefined ? undefined : await requireMarket(orm, symbol);
      await streamCsv(
        res,
        `${market ?? 'all'}-ticks.csv`,
        'at,market,price',
        streamTicks(orm, { market, from, to, limit }),
        (t) => `${t.at.toISOString()},${t.market},${t.price}\n`,
        limit,
      );
    } catch (error) {
      fail(res, error);
    }
  });
}
