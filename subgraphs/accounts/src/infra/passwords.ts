import argon2 from 'argon2';
import { newOpaqueToken } from '../domain/sessions';

/** Password hashes (argon2id). One per process, made in prepare(): it keeps the decoy hash. */
export class Passwords {
  private decoy: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  /** Comparing against a fixed hash for unknown emails keeps both answers equally slow. */
  async matches(hash: string | null | undefined, password: string): Promise<boolean> {
    if (!hash) {
      this.decoy ??= this.hash(newOpaqueToken());
      await argon2.verify(await this.decoy, password);
      return false;
    }
    return argon2.verify(hash, password);
  }
}
