import Redis from 'ioredis';
import { redisName, redisUrl } from './config';
import { REVOKED_SESSIONS_KEY, SESSION_REVOKED_CHANNEL, type SessionRevokedEvent } from './contracts/accounts-sessions';
import { serviceUnavailable, unauthenticated } from './errors';
import type { TokenVerifier } from './auth';

/**
 * Sessions that ended (logout, revokeSession, a reused refresh token) while access tokens of
 * theirs may still be unexpired. Access tokens are stateless JWTs that live 15 minutes; without
 * this list a logged-out token kept working everywhere until then.
 *
 * The choice: every process checks every request's session id (claim `sid`) against a copy of
 * this list held in its own memory, so the check costs one Map lookup, not a network round trip.
 * accounts writes an ended session to a Redis sorted set (scored by the time after which no token
 * of that session can be valid, so the set stays as small as the logouts of the last 15 minutes)
 * and announces it on a Redis channel; every process adds announced ids at once and re-reads the
 * whole set every few seconds, so a lost announcement is healed quickly. On top of that, accounts
 * checks its own database for everything that changes account security (API keys, wallets, 2FA,
 * sessions): those never depend on Redis having kept the list.
 * Without REDIS_URL (the embedded default) every subgraph and the gateway share one process, and
 * the list is just memory they share.
 */
export interface SessionRevocations {
  /** Ends `sessionId` for every verifier until `until` (when the last access token of it expires). */
  revoke(sessionId: string, until: Date): Promise<void>;
  /** Whether `sessionId` has ended, from this process's copy (loaded before the first answer). */
  isRevoked(sessionId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** How often a process re-reads the whole list (heals an announcement lost while Redis was away). */
const RELOAD_EVERY_MS = 5_000;

/** The local copy: session id → when it may be forgotten (ms). */
class RevokedSet {
  private readonly until = new Map<string, number>();
  private lastPrune = 0;

  add(sessionId: string, untilMs: number): void {
    if (untilMs > (this.until.get(sessionId) ?? 0)) this.until.set(sessionId, untilMs);
  }

  has(sessionId: string): boolean {
    const now = Date.now();
    if (now - this.lastPrune > 60_000) this.prune(now);
    return (this.until.get(sessionId) ?? 0) > now;
  }

  private prune(now: number): void {
    this.lastPrune = now;
    for (const [id, until] of this.until) if (until <= now) this.until.delete(id);
  }
}

class InMemoryRevocations implements SessionRevocations {
  private readonly set = new RevokedSet();
  async revoke(sessionId: string, until: Date): Promise<void> {
    this.set.add(sessionId, until.getTime());
  }
  async isRevoked(sessionId: string): Promise<boolean> {
    return this.set.has(sessionId);
  }
  async close(): Promise<void> {}
}

class RedisRevocations implements SessionRevocations {
  private readonly set = new RevokedSet();
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly key = redisName(REVOKED_SESSIONS_KEY);
  private readonly channel = redisName(SESSION_REVOKED_CHANNEL);
  private loaded: Promise<void> | undefined;
  private isLoaded = false;
  private readonly timer: NodeJS.Timeout;

  constructor(url: string) {
    this.commands = new Redis(url, { maxRetriesPerRequest: 2 });
    // No ready check: the connection goes into subscriber mode at once (see pubsub.ts).
    this.subscriber = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: false });
    this.subscriber.on('message', (_channel: string, message: string) => this.remember(message));
    void this.subscriber.subscribe(this.channel).catch(() => undefined);
    this.timer = setInterval(() => void this.reload().catch(() => undefined), RELOAD_EVERY_MS);
    this.timer.unref();
    // Read at once, while the process starts: a process that came up with Redis keeps answering
    // from its copy should Redis go away later (queries keep working through a Redis restart).
    void this.load().catch(() => undefined);
  }

  private load(): Promise<void> {
    this.loaded ??= this.reload().then(
      () => {
        this.isLoaded = true;
      },
      (error: unknown) => {
        this.loaded = undefined;
        throw error;
      },
    );
    return this.loaded;
  }

  private remember(message: string): void {
    try {
      const { sessionId, until } = JSON.parse(message) as { sessionId?: unknown; until?: unknown };
      if (typeof sessionId === 'string' && typeof until === 'number') this.set.add(sessionId, until);
    } catch {
      // Not ours; ignored.
    }
  }

  private async reload(): Promise<void> {
    const now = Date.now();
    const entries = await this.commands.zrangebyscore(this.key, now, '+inf', 'WITHSCORES');
    for (let i = 0; i + 1 < entries.length; i += 2) this.set.add(entries[i], Number(entries[i + 1]));
  }

  async revoke(sessionId: string, until: Date): Promise<void> {
    const untilMs = until.getTime();
    this.set.add(sessionId, untilMs);
    await this.commands
      .multi()
      .zadd(this.key, untilMs, sessionId)
      .zremrangebyscore(this.key, '-inf', Date.now())
      .publish(this.channel, JSON.stringify({ sessionId, until: untilMs } satisfies SessionRevokedEvent))
      .exec();
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    if (!this.isLoaded) {
      // Not read yet (Redis away since this process started): the request is refused rather
      // than let a possibly ended session through unchecked — as unavailable, to retry.
      try {
        await this.load();
      } catch {
        throw serviceUnavailable('Sessions cannot be checked right now; try again shortly');
      }
    }
    return this.set.has(sessionId);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.subscriber.disconnect();
    await this.commands.quit().catch(() => undefined);
  }
}

let shared: SessionRevocations | undefined;

/** This process's list (one per process: in embedded mode the subgraphs and the gateway share it). */
export function sessionRevocations(): SessionRevocations {
  const url = redisUrl();
  shared ??= url ? new RedisRevocations(url) : new InMemoryRevocations();
  return shared;
}

/** Closes this process's list (process stop). */
export async function closeSessionRevocations(): Promise<void> {
  const list = shared;
  shared = undefined;
  await list?.close();
}

/**
 * A verifier that also refuses tokens of ended sessions (UNAUTHENTICATED). Put it outside
 * `rememberVerifiedTokens`: a remembered signature check must not outlive a logout.
 */
export function refuseEndedSessions(verify: TokenVerifier, revocations: () => SessionRevocations = sessionRevocations): TokenVerifier {
  return async (authorization) => {
    const viewer = await verify(authorization);
    if (viewer?.sessionId && (await revocations().isRevoked(viewer.sessionId))) {
      throw unauthenticated('This session has ended; sign in again');
    }
    return viewer;
  };
}
