import type { MikroORM } from '@mikro-orm/postgresql';
import { candleChannel, tickerChannel, type EventBus, type Logger } from '@tradegraph/shared';
import type { Candle } from '../domain/candles';
import { findTickers } from '../infra/candle-store';

/** Announces changed candles and the markets' fresh tickers (after the transaction that changed them). */
export async function publishCandleChanges(orm: MikroORM, bus: EventBus, logger: Logger, candles: Candle[]): Promise<void> {
  if (candles.length === 0) return;
  const send = (name: string, payload: unknown) =>
    bus.publish(name, payload).catch((error: unknown) => logger.warn({ err: error, channel: name }, 'publish failed'));
  for (const candle of candles) void send(candleChannel(candle.market, candle.interval), candle);
  const markets = [...new Set(candles.map((c) => c.market))];
  const tickers = await findTickers(orm, markets);
  for (const [market, ticker] of tickers) if (ticker) void send(tickerChannel(market), ticker);
}
