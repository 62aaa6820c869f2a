import { cacheControlDirective, canReadUserData, type SubgraphContext, type SubgraphDefinition } from '@tradegraph/shared';
import { FillRecord, OrderRecord, createLoaders, migrations, type MatchingLoaders } from './store';
import { SNAPSHOT_EVERY_DEFAULT, Sequencer } from './store/sequencer';
import { journalMetrics } from './store/journal-metrics';
import { Exchange } from './store/exchange';
import { Publisher } from './events/publisher';
import { followListing } from './events/listing';
import { tradeHistoryRoute } from './store/trade-history';
import {
  BalanceResolver,
  FillResolver,
  MarketOrderBookResolver,
  OrderBookResolver,
  OrderResolver,
  UserOrdersResolver,
  exchange,
  matching,
} from './schema/resolvers';
import { Market, User } from './schema/types';

type Context = SubgraphContext<MatchingLoaders>;

let stopListing: (() => Promise<void>) | undefined;
/** Set by a clean shutdown, so a rebuild in progress gives up. */
let stopped = false;

/** How often the sequencer's clock advances with no traffic, so DAY/GTD orders expire on time. */
const TICK_INTERVAL_MS = Number(process.env.MATCHING_TICK_MS ?? 1000);

export const definition: SubgraphDefinition<MatchingLoaders> = {
  name: 'matching',
  resolvers: [OrderResolver, FillResolver, BalanceResolver, OrderBookResolver, MarketOrderBookResolver, UserOrdersResolver],
  // Order books are public market data with a short cache hint (see OrderBookResolver).
  directives: [cacheControlDirective],
  orphanedTypes: [Market, User],
  entities: [OrderRecord, FillRecord],
  migrations,
  createLoaders,
  referenceResolvers: {
    Order: {
      __resolveReference: async (ref: { id: string }, ctx: Context) => {
        const order = /^\d{1,15}$/.test(ref.id) ? await exchange().view(Number(ref.id)) : null;
        // Another user's order resolves to nothing rather than leaking through a reference.
        return order && canReadUserData(ctx.viewer, order.userId) ? order : null;
      },
    },
    Fill: {
      __resolveReference: async (ref: { id: string }, ctx: Context) => {
        const fill = /^\d{1,15}:\d{1,15}$/.test(ref.id) ? await ctx.loaders.fillById.load(ref.id) : null;
        return fill && canReadUserData(ctx.viewer, fill.userId) ? fill : null;
      },
    },
    Balance: {
      __resolveReference: (ref: { userId: string; asset: string }, ctx: Context) =>
        canReadUserData(ctx.viewer, ref.userId) ? exchange().balance(ref.userId, ref.asset) : null,
    },
    Market: { __resolveReference: (ref: { symbol: string }) => ({ symbol: ref.symbol }) },
    User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
  },
  prepare: async ({ orm, bus, logger, registry }) => {
    const journal = journalMetrics(registry);
    /** The engine from the latest snapshot plus the journal after it, wired to the API and the publisher. */
    const install = async () => {
      const sequencer = await Sequencer.open(orm, logger, {
        // A snapshot of a book with 8,000 resting orders is 4 MB of JSON, about 15 ms of this
        // process and 100 ms of Postgres; replaying 100,000 journaled commands at a restart takes
        // about half a second (131,000 in 0.54 s: 0.32 reading, 0.21 applying). So one per 100,000.
        snapshotEvery: Number(process.env.MATCHING_SNAPSHOT_EVERY ?? SNAPSHOT_EVERY_DEFAULT),
        onJournalFailed: () => void recover(),
        onBatchDurable: ({ commands, writeSeconds, oldestWaitSeconds }) => {
          journal.commands.observe(commands);
          journal.write.observe(writeSeconds);
          journal.wait.observe(oldestWaitSeconds);
        },
      });
      const publisher = new Publisher(sequencer.engine, bus, logger, sequencer.lastSeq);
      sequencer.onBatch((changes) => publisher.publish(changes));
      // The markets come from the markets subgraph: wait for its listing before serving orders.
      const stopFollowing = await followListing(sequencer, bus, logger);
      matching.exchange = new Exchange(sequencer, orm);
      matching.publisher = publisher;
      stopListing = stopFollowing;
    };
    /**
     * The journal could not be written (Postgres restarting or away). The engine's memory holds
     * commands the journal does not, so it is set aside: the API answers SERVICE_UNAVAILABLE
     * (no phantom order or balance is ever shown) while an engine is rebuilt from the journal,
     * retried with backoff until Postgres answers again. No process restart is needed.
     */
    const recover = async () => {
      if (matching.unavailable) return;
      matching.unavailable = true;
      const retired = matching.exchange?.sequencer;
      await stopListing?.().catch(() => undefined);
      await retired?.close().catch(() => undefined);
      for (let attempt = 1; !stopped; attempt += 1) {
        try {
          await install();
          matching.unavailable = false;
          logger.info({ attempt, seq: matching.exchange!.sequencer.lastSeq }, 'engine rebuilt from the journal; orders are accepted again');
          return;
        } catch (error) {
          if (attempt === 1) logger.warn({ err: error }, 'engine rebuild failed; retrying until the database answers');
          await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** attempt)));
        }
      }
    };
    await install();
  },
  routes: (app, { orm }) => {
    tradeHistoryRoute(app, orm);
    // Where the engine stands: the last durable sequence number and the state hash (crash tests, operators).
    app.get('/engine/state', async (_req, res) => {
      const sequencer = matching.exchange!.sequencer;
      await sequencer.drainWrites();
      res.json({ seq: sequencer.lastSeq, stateHash: sequencer.stateHash() });
    });
  },
  start: async ({ logger }) => {
    // The engine in service at each tick: a rebuilt one replaces it after a journal failure.
    const timer = setInterval(() => {
      if (!matching.unavailable) void matching.exchange!.sequencer.submit({ type: 'Tick' }).catch(() => {});
    }, TICK_INTERVAL_MS);
    return async () => {
      stopped = true;
      clearInterval(timer);
      await stopListing?.();
      const sequencer = matching.exchange!.sequencer;
      await sequencer.close();
      logger.info({ seq: sequencer.lastSeq, stateHash: sequencer.stateHash() }, 'engine stopped with a snapshot');
    };
  },
};
