import type { Viewer } from '@tradegraph/shared';
import { badInput, conflict, notFound } from '../domain/errors';
import { open, seal } from '../domain/kyc/crypto';
import { KYC_LEVELS, validateSubmission, type KycPersonalData, type RawKycSubmission } from '../domain/kyc/submission';
import { recordAdminAction } from '../infra/audit-log';
import { KycRecord } from '../infra/entities/kyc';
import { resealKycRows } from '../infra/kyc-store';
import type { Caller } from './caller';
import type { AccountsServices } from './services';

/** The submitted personal data, opened with the keyring (the caller has checked who may read it). */
export function openPersonalData(services: Pick<AccountsServices, 'settings'>, record: KycRecord): KycPersonalData {
  return JSON.parse(open(services.settings.kycKeyring, { keyId: record.piiKeyId, blob: record.pii }, record.userId).toString('utf8')) as KycPersonalData;
}

/** The viewer's own submission: checked by the provider, sealed at rest. */
export async function submitKyc(ctx: Caller, viewer: Viewer, input: RawKycSubmission): Promise<KycRecord> {
  const submission = validateSubmission(viewer.userId, input);
  const existing = await ctx.em.findOne(KycRecord, { userId: viewer.userId });
  if (existing?.status === 'pending') throw conflict('A KYC submission is already under review');
  if (existing && existing.level >= submission.level) throw conflict(`KYC level ${existing.level} is already approved`);

  const provider = ctx.services.kycProvider;
  const result = await provider.check(submission);
  const now = new Date();
  const sealed = seal(ctx.services.settings.kycKeyring, Buffer.from(JSON.stringify(submission.data), 'utf8'), viewer.userId);
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
  return record;
}

/** An admin's decision on a submission, audited. */
export async function reviewKyc(
  ctx: Caller,
  admin: Viewer,
  userId: string,
  decision: 'approved' | 'rejected',
  level: number | null,
  reason: string | null,
): Promise<KycRecord> {
  const record = await ctx.em.findOne(KycRecord, { userId });
  if (!record) throw notFound('This user has not submitted KYC');
  const approvedLevel = level ?? record.requestedLevel;
  if (decision === 'approved' && !KYC_LEVELS.includes(approvedLevel as 1 | 2)) throw badInput('level must be 1 or 2', 'level');
  const trimmedReason = reason?.trim() ?? '';
  if (decision === 'rejected' && !trimmedReason) throw badInput('A rejection needs a reason', 'reason');
  if (trimmedReason.length > 500) throw badInput('reason must be at most 500 characters', 'reason');
  const before = { status: record.status, level: record.level };
  const now = new Date();
  Object.assign(record, {
    status: decision,
    level: decision === 'approved' ? approvedLevel : record.level,
    rejectionReason: decision === 'rejected' ? trimmedReason : null,
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
  return record;
}

/** Re-seals every row under the keyring's first key, audited; how many rows moved. */
export async function reencryptKycData(ctx: Caller, admin: Viewer): Promise<number> {
  const keyring = ctx.services.settings.kycKeyring;
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
