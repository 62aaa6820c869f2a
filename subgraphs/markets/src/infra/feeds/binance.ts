import WebSocket from 'ws';
import { canonicalDecimal } from '@tradegraph/shared';
import type { FeedTick, PriceFeed } from '../../domain/price-feed';

/**
 * Binance's public market-data WebSocket (combined streams): connects to
 * `<baseUrl>/stream?streams=btcusdt@trade/ethusdt@trade` (or `@miniTicker`) and turns each
 * message into a tick of our market. Messages look like
 * `{"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","p":"65000.10","T":1700000000000,…}}`
 * and `{"stream":"btcusdt@miniTicker","data":{"e":"24hrMiniTicker","s":"BTCUSDT","c":"65000.10","E":…}}`.
 *
 * When the server drops the connection (Binance does so at least every 24 h) the adapter
 * reconnects with exponential backoff; the delay starts again from the minimum once a message
 * has arrived on the new connection.
 */
export interface BinanceFeedOptions {
  /** e.g. wss://stream.binance.com:9443 (a test points it at a local server). */
  baseUrl: string;
  /** Our market symbol → Binance symbol, e.g. BTC-USDT → btcusdt. */
  symbols: Map<string, string>;
  stream: 'trade' | 'miniTicker';
  reconnectMinMs: number;
  reconnectMaxMs: number;
  onState?: (state: 'connected' | 'disconnected', detail: { attempt: number; delayMs?: number }) => void;
}

interface BinanceMessage {
  stream?: string;
  data?: { e?: string; s?: string; p?: string; c?: string; T?: number; E?: number };
}

/** Our symbol → Binance's, from `BTC-USDT:btcusdt,ETH-USDT:ethusdt`; markets not named map to base+quote lowercased. */
export function binanceSymbols(markets: string[], overrides: string | undefined): Map<string, string> {
  const map = new Map(markets.map((market) => [market, market.replace('-', '').toLowerCase()]));
  for (const pair of (overrides ?? '').split(',').filter(Boolean)) {
    const [ours, theirs] = pair.split(':').map((s) => s.trim());
    if (ours && theirs) map.set(ours, theirs.toLowerCase());
  }
  return map;
}

export class BinanceFeed implements PriceFeed {
  readonly name = 'binance';
  private socket: WebSocket | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private attempt = 0;
  private readonly ours: Map<string, string>;

  constructor(private readonly options: BinanceFeedOptions) {
    this.ours = new Map([...options.symbols].map(([market, symbol]) => [symbol.toUpperCase(), market]));
  }

  url(): string {
    const streams = [...this.options.symbols.values()].map((symbol) => `${symbol}@${this.options.stream}`).join('/');
    return `${this.options.baseUrl.replace(/\/$/, '')}/stream?streams=${streams}`;
  }

  /** A Binance message as our tick, or null for anything else (subscription acks, other events). */
  toTick(raw: string): FeedTick | null {
    let message: BinanceMessage;
    try {
      message = JSON.parse(raw) as BinanceMessage;
    } catch {
      return null;
    }
    const data = message.data;
    if (!data?.s) return null;
    const market = this.ours.get(data.s.toUpperCase());
    const price = data.e === 'trade' ? data.p : data.e === '24hrMiniTicker' ? data.c : undefined;
    const time = data.e === 'trade' ? data.T : data.E;
    if (!market || !price || !/^\d+(\.\d+)?$/.test(price) || Number(price) <= 0) return null;
    return { market, price: canonicalDecimal(price), at: typeof time === 'number' ? new Date(time) : new Date() };
  }

  async start(onTick: (tick: FeedTick) => void): Promise<void> {
    this.stopped = false;
    this.connect(onTick);
  }

  private connect(onTick: (tick: FeedTick) => void): void {
    if (this.stopped) return;
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.on('open', () => this.options.onState?.('connected', { attempt: this.attempt }));
    socket.on('message', (data) => {
      this.attempt = 0;
      const tick = this.toTick(data.toString());
      if (tick) onTick(tick);
    });
    socket.on('error', () => {
      // 'close' follows and schedules the reconnect.
    });
    socket.on('close', () => {
      if (this.socket !== socket || this.stopped) return;
      const delayMs = Math.min(this.options.reconnectMaxMs, this.options.reconnectMinMs * 2 ** this.attempt);
      this.attempt += 1;
      this.options.onState?.('disconnected', { attempt: this.attempt, delayMs });
      this.reconnectTimer = setTimeout(() => this.connect(onTick), delayMs);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.terminate();
      });
    }
  }
}
