import { Ctx, Mutation, Resolver } from 'type-graphql';
import { Access, requireRole } from '@tradegraph/shared';
import { rotateSigningKey } from '../app/admin';
import type { Context } from './context';
import { SigningKey } from './session-types';

@Resolver()
export class SigningKeyResolver {
  @Access('session')
  @Mutation(() => SigningKey, {
    description: 'Admin: start signing with a new key now. The old key stays in the JWKS until its tokens have expired.',
  })
  async rotateSigningKey(@Ctx() ctx: Context): Promise<SigningKey> {
    const admin = requireRole(ctx.viewer, 'admin');
    const key = await rotateSigningKey(ctx, admin);
    return { kid: key.kid, createdAt: key.createdAt };
  }
}
