import type { MikroORM } from '@mikro-orm/postgresql';
import type { JWK } from 'jose';
import { ACTIVE_KEY_CACHE_MS, PUBLISH_AFTER_RETIREMENT_MS, signingKeyTooOld, type SigningKeyPair } from '../domain/tokens';
import { SigningKeyRecord } from './entities/users';
import { newSigningKey } from './token-signing';

/**
 * Keeps the signing keys in Postgres so every accounts process signs with the same key and
 * verifiers keep accepting tokens across restarts. The private key in the database is what a
 * KMS would hold in production. Keys rotate by age (`maxAgeSeconds`, SIGNING_KEY_MAX_AGE_SECONDS).
 */
export class SigningKeys {
  private cached?: { key: SigningKeyPair; createdAt: Date; loadedAt: number };
  constructor(
    private readonly orm: MikroORM,
    private readonly maxAgeSeconds: number,
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
    return signingKeyTooOld(createdAt, now, this.maxAgeSeconds);
  }

  private remember(record: SigningKeyRecord, now: Date): void {
    this.cached = {
      key: { kid: record.kid, publicJwk: record.publicJwk, privateJwk: record.privateJwk },
      createdAt: record.createdAt,
      loadedAt: now.getTime(),
    };
  }
}
