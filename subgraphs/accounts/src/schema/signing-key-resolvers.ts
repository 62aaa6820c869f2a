import { Ctx, Mutation, Resolver } from 'type-graphql';
import { Access, requireRole, type SubgraphContext } from '@tradegraph/shared';
import type { AccountsLoaders } from '../store';
import { recordAdminAction } from '../store/audit';
import { keyStore } from './resolvers';
import { SigningKey } from './session-types';

type Context = SubgraphContext<AccountsLoaders>;

@Resolver()
export class SigningKeyResolver {
  @Access('session')
  @Mutation(() => SigningKey, {
    description: 'Admin: start signing with a new key now. The old key stays in the JWKS until its tokens have expired.',
  })
  async rotateSigningKey(@Ctx() ctx: Context): Promise<SigningKey> {
    const admin = requireRole(ctx.viewer, 'admin');
    if (!keyStore.current) throw new Error('signing keys are not loaded');
    const key = await keyStore.current.rotate();
    await recordAdminAction(ctx.em, {
      actorId: admin.userId,
      action: 'rotate_signing_key',
      targetType: 'signing_key',
      targetId: key.kid,
      requestId: ctx.reqId,
    });
    ctx.logger.info({ kid: key.kid }, 'signing key rotated');
    return { kid: key.kid, createdAt: key.createdAt };
  }
}
