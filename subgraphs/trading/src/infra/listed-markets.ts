import { DomainError, LISTING_PATH, config, internalHeaders, subgraphBaseUrl, type Config, type ListedMarket } from '@tradegraph/shared';

/** The markets subgraph's `GET /listing` (MARKETS_LISTING_URL overrides, as for matching); read once, at start. */
export function listingUrl(settings: Config = config()): string {
  return settings.MARKETS_LISTING_URL ?? `${subgraphBaseUrl('markets', settings)}${LISTING_PATH}`;
}

/** How long a loaded listing is trusted before it is loaded again. */
const LISTING_TTL_MS = 30_000;

/**
 * The symbols markets lists, read from markets' listing route (trading reads no other
 * subgraph's tables) and kept for 30 s; a market listed meanwhile is found on the next load, or
 * at once when its listing event arrives (`learn`).
 * When markets cannot be reached the last listing is used; with none yet, the caller is told
 * to try again (UNAVAILABLE) rather than given an alert on a market nobody checked.
 */
export class ListedMarkets {
  private symbols: Set<string> | undefined;
  private loadedAt = 0;
  private loading: Promise<Set<string> | undefined> | undefined;

  constructor(private readonly url: string) {}

  async has(symbol: string): Promise<boolean> {
    const symbols = await this.current();
    if (!symbols) throw new DomainError('UNAVAILABLE', 'Markets could not be checked just now; try again');
    if (symbols.has(symbol)) return true;
    // Not in a listing loaded a while ago: maybe listed since.
    if (Date.now() - this.loadedAt > 1000) return (await this.load())?.has(symbol) ?? false;
    return false;
  }

  /** Every listed symbol, loading the listing if it is not loaded (undefined: markets could not be reached). */
  async listedSymbols(): Promise<string[] | undefined> {
    const symbols = await this.current();
    return symbols && [...symbols];
  }

  /** A market announced on the listing channel joins the loaded listing (none loaded yet: the first load finds it). */
  learn(market: Pick<ListedMarket, 'symbol'>): void {
    this.symbols?.add(market.symbol);
  }

  private current(): Promise<Set<string> | undefined> {
    if (this.symbols && Date.now() - this.loadedAt < LISTING_TTL_MS) return Promise.resolve(this.symbols);
    return this.load();
  }

  private load(): Promise<Set<string> | undefined> {
    this.loading ??= (async () => {
      try {
        const response = await fetch(this.url, { headers: internalHeaders(), signal: AbortSignal.timeout(5000) });
        if (!response.ok) throw new Error(`listing answered ${response.status}`);
        const { markets } = (await response.json()) as { markets: Pick<ListedMarket, 'symbol'>[] };
        this.symbols = new Set(markets.map((market) => market.symbol));
        this.loadedAt = Date.now();
      } catch {
        // The last listing (if any) stays in use.
      }
      return this.symbols;
    })().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }
}
