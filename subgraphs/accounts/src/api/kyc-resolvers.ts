import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { Access, canReadUserData, forbidden, requireViewer, type Viewer } from '@tradegraph/shared';
import { openPersonalData, reencryptKycData, reviewKyc, submitKyc } from '../app/kyc';
import type { KycPersonalData as PersonalData } from '../domain/kyc/submission';
import type { KycRecord } from '../infra/entities/kyc';
import type { UserRecord } from '../infra/entities/users';
import type { Context } from './context';
import { Kyc, KycDecision, KycPersonalData, KycStatus, KycSubmissionInput } from './kyc-types';
import { requireCurrentRole } from './staff';
import { User } from './types';

/** Status is for the owner, support and admins; personal data for the owner and admins only. */
const canReadKycData = (viewer: Viewer | null, userId: string) =>
  viewer !== null && (viewer.userId === userId || viewer.roles.includes('admin'));

function toKyc(userId: string, record: KycRecord | null): Kyc {
  if (!record) {
    return { userId, status: KycStatus.none, level: 0, requestedLevel: null, submittedAt: null, reviewedAt: null, rejectionReason: null };
  }
  return {
    userId,
    status: record.status as KycStatus,
    level: record.level,
    requestedLevel: record.requestedLevel,
    submittedAt: record.submittedAt,
    reviewedAt: record.reviewedAt,
    rejectionReason: record.rejectionReason,
  };
}

@Resolver(() => User)
export class UserKycResolver {
  @Access('read')
  @FieldResolver(() => Kyc, { description: 'Identity verification: the user, support and admins' })
  async kyc(@Root() user: UserRecord, @Ctx() ctx: Context): Promise<Kyc> {
    if (!canReadUserData(ctx.viewer, user.id)) throw forbidden();
    return toKyc(user.id, await ctx.loaders.kycByUserId.load(user.id));
  }
}

@Resolver(() => Kyc)
export class KycResolver {
  @FieldResolver(() => KycPersonalData, {
    nullable: true,
    description: 'The submitted personal data: the user and admins only (not support)',
  })
  async personalData(@Root() kyc: Kyc, @Ctx() ctx: Context): Promise<PersonalData | null> {
    if (!canReadKycData(ctx.viewer, kyc.userId)) throw forbidden('Only the user and admins may read KYC personal data');
    const record = await ctx.loaders.kycByUserId.load(kyc.userId);
    return record ? openPersonalData(ctx.services, record) : null;
  }

  @Access('session')
  @Mutation(() => Kyc, { description: 'Submit personal data for verification (level 1 identity, level 2 also address)' })
  async submitKyc(@Arg('input') input: KycSubmissionInput, @Ctx() ctx: Context): Promise<Kyc> {
    const viewer = requireViewer(ctx.viewer);
    // Only the person themselves submits their identity, not an integrator's API key.
    if (viewer.apiKeyId) throw forbidden('Submit KYC from your own session, not with an API key');
    return toKyc(viewer.userId, await submitKyc(ctx, viewer, input));
  }

  @Access('session')
  @Mutation(() => Kyc, { description: 'Admin: approve (at a level) or reject (with a reason) a KYC submission' })
  async reviewKyc(
    @Arg('userId', () => ID) userId: string,
    @Arg('decision', () => KycDecision) decision: KycDecision,
    @Arg('level', () => Int, { nullable: true, description: 'The approved level; defaults to the requested one' }) level: number | null,
    @Arg('reason', () => String, { nullable: true, description: 'Required when rejecting' }) reason: string | null,
    @Ctx() ctx: Context,
  ): Promise<Kyc> {
    const admin = await requireCurrentRole(ctx, 'admin');
    return toKyc(userId, await reviewKyc(ctx, admin, userId, decision, level, reason));
  }

  @Access('session')
  @Mutation(() => Int, {
    description:
      'Admin: re-encrypt all KYC personal data with the first key of KYC_ENCRYPTION_KEYS, so older keys can be removed; returns rows re-encrypted',
  })
  async reencryptKycData(@Ctx() ctx: Context): Promise<number> {
    const admin = await requireCurrentRole(ctx, 'admin');
    return reencryptKycData(ctx, admin);
  }
}
