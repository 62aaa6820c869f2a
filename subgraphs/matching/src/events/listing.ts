import { LISTING_PATH, config, internalHeaders, listingChannel, subgraphBaseUrl, type EventBus, type ListedMarket, type Logger } from '@tradegraph/shared';
import { engineSpec } from '../domain/catalog';
import type { FeeTier } from '../domain/fees';
import type { CommandInput, Sequencer } from '../app/sequencer';
import type { ListingCatalog } from '../app/listing-catalog';

/** The markets subgraph's `GET /listing` (MARKETS_LISTING_URL overrides). */
export function listingUrl(): string {
  return config().MARKETS_LISTING_URL ?? `${subgraphBaseUrl('markets')}${LISTING_PATH}`;
}

/**
 * The engine command(s) that bring the engine's view of one market in line with its listing:
 * AddMarket for a new one (then SuspendMarket if it is listed suspended), Suspend/Resume when
 * the status differs, nothing when it already agrees. As journaled commands they replay exactly.
 */
export function commandsFor(sequencer: Sequencer, market: ListedMarket, baseFees: Pick<FeeTier, 'makerBps' | 'takerBps'>): CommandInput[] {
  const suspended = sequencer.engine.isSuspended(market.symbol);
  const wantSuspended = market.status === 'suspended';
  if (suspended === undefined) {
    const add: CommandInput = { type: 'AddMarket', spec: engineSpec(market, baseFees) };
    return wantSuspended ? [add, { type: 'SuspendMarket', market: market.symbol }] : [add];
  }
  if (suspended === wantSuspended) return [];
  return [{ type: wantSuspended ? 'SuspendMarket' : 'ResumeMarket', market: market.symbol }];
}

/**
 * Follows the markets listing. Subscribes first (so nothing published meanwhile is lost), then
 * loads the whole listing from markets — retrying with backoff until markets answers — and
 * applies it, then every change as it comes (sessions and asset precision go to `catalog`). Listing changes go through one queue so they are
 * applied in the order received.
 */
export async function followListing(
  sequencer: Sequencer,
  bus: EventBus,
  logger: Logger,
  baseFees: Pick<FeeTier, 'makerBps' | 'takerBps'>,
  catalog: ListingCatalog,
  options: { url?: string; retryMaxMs?: number } = {},
): Promise<() => Promise<void>> {
  const url = options.url ?? listingUrl();
  const changes = bus.subscribe<ListedMarket>(listingChannel);
  let queue: Promise<void> = Promise.resolve();
  const apply = (market: ListedMarket) => {
    queue = queue.then(async () => {
      // Sessions and precision first: the market takes no order before its rules are known.
      catalog.note(market);
      for (const command of commandsFor(sequencer, market, baseFees)) {
        const { result } = await sequencer.submit(command);
        if (result.code !== 'OK') logger.warn({ market: market.symbol, command: command.type, code: result.code }, 'listing change refused by the engine');
        else logger.info({ market: market.symbol, command: command.type }, 'listing change applied');
      }
    });
    return queue;
  };

  let delay = 200;
  const waitingSince = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await fetch(url, { headers: internalHeaders() });
      if (!response.ok) throw new Error(`listing answered ${response.status}`);
      const { markets } = (await response.json()) as { markets: ListedMarket[] };
      for (const market of markets) await apply(market);
      logger.info({ markets: markets.length, engineMarkets: sequencer.engine.marketIds().length }, 'listing loaded from markets');
      break;
    } catch (error) {
      // Markets starting beside us is normal: one quiet line, a warning only if it lasts.
      if (attempt === 1) logger.info({ url }, 'waiting for the markets listing');
      else if (Date.now() - waitingSince > 30_000) logger.warn({ err: error, attempt, url, retryInMs: delay }, 'markets listing still not available; retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(options.retryMaxMs ?? 5000, delay * 2);
    }
  }
  const following = (async () => {
    for await (const market of changes) await apply(market);
  })().catch((error: unknown) => logger.warn({ err: error }, 'listing subscription ended'));
  return async () => {
    await changes.return?.();
    await following;
    await queue;
  };
}
