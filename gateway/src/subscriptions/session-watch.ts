/**
 * Closes the WebSockets of sessions that ended (logout, revokeSession, a reused refresh token).
 * A socket is authenticated once, in connection_init; every query or mutation sent over it later
 * is checked again by the subgraphs, but a subscription already streaming (myOrderUpdates,
 * myBalanceUpdates, …) would go on telling the ended session's holder everything. So the
 * gateway keeps its sockets by session and, every `everyMs`, asks the list of ended sessions
 * (shared session-revocations.ts: a lookup in this process's copy) about each session that
 * has a socket open; an ended one's sockets are closed with 4403, as graphql-ws refuses bad
 * credentials, which ends their subscriptions.
 */
export interface ClosableSocket {
  close(code: number, reason: string): void;
}

export class EndedSessionWatch {
  private readonly sockets = new Map<string, Set<ClosableSocket>>();
  private readonly timer: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly isEnded: (sessionId: string) => Promise<boolean>,
    everyMs = 1000,
  ) {
    this.timer = setInterval(() => void this.sweep(), everyMs);
    this.timer.unref();
  }

  /** Watches `socket` of `sessionId`; returns the function that stops watching it (on close). */
  watch(sessionId: string, socket: ClosableSocket): () => void {
    let set = this.sockets.get(sessionId);
    if (!set) this.sockets.set(sessionId, (set = new Set()));
    set.add(socket);
    return () => {
      set.delete(socket);
      if (set.size === 0 && this.sockets.get(sessionId) === set) this.sockets.delete(sessionId);
    };
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const [sessionId, set] of [...this.sockets]) {
        // An unanswerable check (Redis away at the first read) leaves the socket for the next sweep.
        const ended = await this.isEnded(sessionId).catch(() => false);
        if (!ended) continue;
        this.sockets.delete(sessionId);
        for (const socket of set) socket.close(4403, 'This session has ended');
      }
    } finally {
      this.sweeping = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
