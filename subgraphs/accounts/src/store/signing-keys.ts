import type { MikroORM } from '@mikro-orm/postgresql';
import type { JWK } from 'jose';
import { newSigningKey, type SigningKeyPair } from '../domain/tokens';
import { SigningKeyRecord } from './entities';

/**
 * Keeps the signing keys in Postgres so every accounts process signs with the same key and
 * verifiers keep accepting tokens across restarts. The private key in the database is what a
 * KMS would hold in production.
 */
export class SigningKeys {
  private active?: SigningKeyPair;
  constructor(private readonly orm: MikroORM) {}

  /** The newest unretired key, made on first start. */
  async activeKey(): Promise<SigningKeyPair> {
    if (this.active) return this.active;
    const em = this.orm.em.fork();
    let record = await em.findOne(SigningKeyRecord, { retiredAt: null }, { orderBy: { createdAt: 'desc' } });
    if (!record) {
      const key = await newSigningKey();
      record = em.create(SigningKeyRecord, { ...key, createdAt: new Date(), retiredAt: null });
      // Two processes starting at once may both make a key; either is valid, both are published.
      await em.persistAndFlush(record);
    }
    this.active = { kid: record.kid, publicJwk: record.publicJwk, privateJwk: record.privateJwk };
    return this.active;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const records = await this.orm.em.fork().find(SigningKeyRecord, { retiredAt: null }, { orderBy: { createdAt: 'desc' } });
    return { keys: records.map((r) => r.publicJwk) };
  }
}
