import type { MikroORM } from '@mikro-orm/postgresql';
import type { JWK } from 'jose';
import { ACCESS_TOKEN_TTL_SECONDS, newSigningKey, type SigningKeyPair } from '../domain/tokens';
import { SigningKeyRecord } from './entities';

/**
 * A retired key stays in the JWKS until every token it signed has expired: the access-token
 * lifetime, plus the time another accounts process may keep signing with its cached copy,
 * plus clock skew between processes.
 */
const ACTIVE_KEY_CACHE_MS = 10_000;
const PUBLISH_AFTER_RETIREMENT_MS = (ACCESS_TOKEN_TTL_SECONDS + 60) * 1000 + ACTIVE_KEY_CACHE_MS;

/** Keys rotate by age: SIGNING_KEY_MAX_AGE_SECONDS, default 30 days. */
export function signingKeyMaxAgeSeconds(): number {
  const value = Number(process.env.SIGNING_KEY_MAX_AGE_SECONDS);
  return Number.isInteger(value) && value > 0 ? value : 30 * 24 * 3600;
}

/**
 * Keeps the signing keys in Postgres so every accounts process signs with the same key and
 * verifiers keep accepting tokens across restarts. The private key in the database is what a
 * KMS would hold in production.
 */
export class SigningKeys {
  private cached?: { key: SigningKeyPair; createdAt: Date; loadedAt: number };
  constructor(
    private readonly orm: MikroORM,
    private readonly maxAgeSeconds = signingKeyMaxAgeSeconds(),
  ) {}

  /**
   * The newest unretired key; made on first start and replaced when older than the maximum
   * age. Cached briefly, so a rotation by another accounts process is picked up within seconds.
   */
  async activeKey(now = new Date()): Promise<SigningKeyPair> {
    const cached = this.cached;
    if (cached && now.getTime() - cached.loadedAt < ACTIVE_KEY_CACHE_MS && !this.tooOld(cached.createdAt, now)) return cached.key;
    const record = await this.orm.em.fork().findOne(SigningKeyRecord, { retiredAt: null }, { orderBy: { createdAt: 'desc' } });
    this.remember(!record || this.tooOld(record.createdAt, now) ? await this.rotate(now) : record, now);
    return this.cached!.key;
  }

  /**
   * Makes a new key the signing key and retires the others (they stay published until their
   * tokens have expired). Two processes rotating at once both make a key; both are valid and
   * published, and the newer one signs.
   */
  async rotate(now = new Date()): Promise<SigningKeyRecord> {
    const em = this.orm.em.fork();
    const key = await newSigningKey();
    const record = em.create(SigningKeyRecord, { ...key, createdAt: now, retiredAt: null });
    await em.transactional(async (tx) => {
      tx.persist(record);
      await tx.nativeUpdate(SigningKeyRecord, { retiredAt: null, kid: { $ne: key.kid } }, { retiredAt: now });
      // Private keys no verifier can need any more are deleted, not kept around.
      await tx.nativeDelete(SigningKeyRecord, { retiredAt: { $lt: new Date(now.getTime() - PUBLISH_AFTER_RETIREMENT_MS) } });
    });
    this.remember(record, now);
    return record;
  }

  /** Every key a valid token can have been signed with: the active ones and the recently retired. */
  async jwks(now = new Date()): Promise<{ keys: JWK[] }> {
    const records = await this.orm.em
      .fork()
      .find(
        SigningKeyRecord,
        { $or: [{ retiredAt: null }, { retiredAt: { $gt: new Date(now.getTime() - PUBLISH_AFTER_RETIREMENT_MS) } }] },
        { orderBy: { createdAt: 'desc' } },
      );
    return { keys: records.map((r) => r.publicJwk) };
  }

  private tooOld(createdAt: Date, now: Date): boolean {
    return now.getTime() - createdAt.getTime() > this.maxAgeSeconds * 1000;
  }

  private remember(record: SigningKeyRecord, now: Date): void {
    this.cached = {
      key: { kid: record.kid, publicJwk: record.publicJwk, privateJwk: record.privateJwk },
      createdAt: record.createdAt,
      loadedAt: now.getTime(),
    };
  }
}
