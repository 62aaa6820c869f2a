import { Migration20261121000001 } from './migrations/Migration20261121000001';
import { Migration20261121100001 } from './migrations/Migration20261121100001';
import { Migration20261121300001 } from './migrations/Migration20261121300001';
import { Migration20261207000001 } from './migrations/Migration20261207000001';
export * from './entities';
export * from './loaders';
export * from './catalog';
/** In the order they run: the catalog, last prices, then candles, tickers and price history, then asset precision and the sessions' days. */
export const migrations = [Migration20261121000001, Migration20261121100001, Migration20261121300001, Migration20261207000001];
