import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import {
  Access,
  badInput,
  conflict,
  forbidden,
  notFound,
  requireViewer,
  canReadUserData,
  type SubgraphContext,
  type Viewer,
} from '@tradegraph/shared';
import { KycRecord, UserRecord, recordAdminAction, resealKycRows, type AccountsLoaders } from '../store';
import { kycKeyring, open, seal } from '../domain/kyc/crypto';
import { kycProvider } from '../domain/kyc/provider';
import { KYC_LEVELS, validateSubmission, type KycPersonalData as PersonalData } from '../domain/kyc/submission';
import { Kyc, KycDecision, KycPersonalData, KycStatus, KycSubmissionInput } from './kyc-types';
import { User } from './types';
import { requireCurrentRole } from './staff';

type Context = SubgraphContext<AccountsLoaders>;

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

const sealPersonalData = (userId: string, data: PersonalData) => seal(kycKeyring(), Buffer.from(JSON.stringify(data), 'utf8'), userId);
const openPersonalData = (record: KycRecord): PersonalData =>
  JSON.parse(open(kycKeyring(), { keyId: record.piiKeyId, blob: record.pii }, record.userId).toString('utf8')) as PersonalData;

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
    return record ? openPersonalData(record) : null;
  }

  @Access('session')
  @Mutation(() => Kyc, { description: 'Submit personal data for verification (level 1 identity, level 2 also address)' })
  async submitKyc(@Arg('input') input: KycSubmissionInput, @Ctx() ctx: Context): Promise<Kyc> {
    const viewer = requireViewer(ctx.viewer);
    // Only the person themselves submits their identity, not an integrator's API key.
    if (viewer.apiKeyId) throw forbidden('Submit KYC from your own session, not with an API key');
    const submission = validateSubmission(viewer.userId, input);
    const existing = await ctx.em.findOne(KycRecord, { userId: viewer.userId });
    if (existing?.status === 'pending') throw conflict('A KYC submission is already under review');
    if (existing && existing.level >= submission.level) throw conflict(`KYC level ${existing.level} is already approved`);

    const provider = kycProvider();
    const result = await provider.check(submission);
    const now = new Date();
    const sealed = sealPersonalData(viewer.userId, submission.data);
    const record = existing ?? ctx.em.create(KycRecord, { userId: viewer.userId, level: 0 } as KycRecord);
    Object.assign(record, {
      status: result.decision,
      level: result.decision === 'approved' ? submission.level : record.level,
      requestedLevel: submission.level,
      provider: provider.name,
      providerReference: result.reference,
      rejectionReason: result.decision === 'rejected' ? (result.reason ?? 'Rejected by the verification provider') : null,
      piiKeyId: sealed.keyId,
      pii: sealed.blob,
      submittedAt: now,
      reviewedAt: result.decision === 'pending' ? null : now,
      reviewedBy: null,
      updatedAt: now,
    });
    await ctx.em.persistAndFlush(record);
    ctx.logger.info({ userId: viewer.userId, level: submission.level, decision: result.decision }, 'kyc submitted');
    return toKyc(viewer.userId, record);
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
    const record = await ctx.em.findOne(KycRecord, { userId });
    if (!record) throw notFound('This user has not submitted KYC');
    const approvedLevel = level ?? record.requestedLevel;
    if (decision === KycDecision.approved && !KYC_LEVELS.includes(approvedLevel as 1 | 2)) throw badInput('level must be 1 or 2', 'level');
    const trimmedReason = reason?.trim() ?? '';
    if (decision === KycDecision.rejected && !trimmedReason) throw badInput('A rejection needs a reason', 'reason');
    if (trimmedReason.length > 500) throw badInput('reason must be at most 500 characters', 'reason');
    const before = { status: record.status, level: record.level };
    const now = new Date();
    Object.assign(record, {
      status: decision,
      level: decision === KycDecision.approved ? approvedLevel : record.level,
      rejectionReason: decision === KycDecision.rejected ? trimmedReason : null,
      reviewedAt: now,
      reviewedBy: admin.userId,
      updatedAt: now,
    });
    await recordAdminAction(ctx.em, {
      actorId: admin.userId,
      action: 'review_kyc',
      targetType: 'User',
      targetId: userId,
      details: { decision, before, after: { status: record.status, level: record.level }, reason: trimmedReason || undefined },
      requestId: ctx.reqId,
    });
    return toKyc(userId, record);
  }

  @Access('session')
  @Mutation(() => Int, {
    description:
      'Admin: re-encrypt all KYC personal data with the first key of KYC_ENCRYPTION_KEYS, so older keys can be removed; returns rows re-encrypted',
  })
  async reencryptKycData(@Ctx() ctx: Context): Promise<number> {
    const admin = await requireCurrentRole(ctx, 'admin');
    const keyring = kycKeyring();
    const moved = await resealKycRows(ctx.em, keyring.primaryId, (row) => {
      const plaintext = open(keyring, { keyId: row.piiKeyId, blob: row.pii }, row.userId);
      return seal(keyring, plaintext, row.userId);
    });
    await recordAdminAction(ctx.em.fork(), {
      actorId: admin.userId,
      action: 'reencrypt_kyc_data',
      details: { keyId: keyring.primaryId, rows: moved },
      requestId: ctx.reqId,
    });
    return moved;
  }
}
