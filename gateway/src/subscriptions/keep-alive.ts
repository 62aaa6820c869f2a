import WebSocket from 'ws';
import { config, type Config } from '@tradegraph/shared';

/** How often the gateway checks each client socket (WS_KEEPALIVE_MS; 0 turns the check off). */
export function keepAlivePeriodMs(settings: Config = config()): number {
  return settings.WS_KEEPALIVE_MS;
}

/** Turns per period: pings go out every `periodMs / TURNS` ms (every 100 ms at the default 12 s). */
const TURNS = 120;

/**
 * WebSocket keep-alive for the gateway's clients: each socket gets a ping once per period and is
 * closed if, by its next turn, it has not answered the previous one (a peer that vanished without
 * closing its TCP connection — a phone gone out of coverage — would otherwise keep its
 * subscriptions and their fan-out forever).
 *
 * Why not graphql-ws's own keep-alive (the third argument of `useServer`): it starts a timer per
 * socket when the socket connects, so clients that connect together are pinged together, every
 * period, for as long as they stay. After a deploy or a network blip every client reconnects
 * within seconds, and from then on the gateway sent 10,000 pings, set 10,000 pong timers and read
 * 10,000 pongs in the same second or two every 12 s, while every feed waited behind them (in
 * `bench:subscriptions`, whose clients connect in about 3 s: a 100–500 ms backlog on every feed
 * a few seconds into each run, the run's p99). Here each socket is dealt into one of `TURNS`
 * turns as it connects, one turn is pinged per tick, and a socket's pong only clears a flag, so
 * the pings leave at an even rate (connections / period) whatever the way clients arrived.
 */
export class KeepAlive {
  private readonly turns: Set<WebSocket>[] = Array.from({ length: TURNS }, () => new Set());
  /** Sockets pinged and not yet answered. */
  private readonly unanswered = new WeakSet<WebSocket>();
  private nextTurnToJoin = 0;
  private turn = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(readonly periodMs: number) {
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.round(periodMs / TURNS)));
    this.timer.unref();
  }

  /** Watches a newly connected socket until it closes. */
  track(socket: WebSocket): void {
    // Round robin: sockets that arrive together land in different turns.
    const turn = this.turns[this.nextTurnToJoin]!;
    this.nextTurnToJoin = (this.nextTurnToJoin + 1) % TURNS;
    turn.add(socket);
    socket.on('pong', () => this.unanswered.delete(socket));
    socket.once('close', () => turn.delete(socket));
  }

  private tick(): void {
    const turn = this.turns[this.turn]!;
    this.turn = (this.turn + 1) % TURNS;
    for (const socket of turn) {
      if (socket.readyState !== WebSocket.OPEN) continue;
      if (this.unanswered.has(socket)) {
        // No pong for a whole period: the peer is gone. `close` then ends its subscriptions.
        socket.terminate();
        continue;
      }
      this.unanswered.add(socket);
      socket.ping();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
