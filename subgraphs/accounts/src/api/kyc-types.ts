import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar } from '@tradegraph/shared';

export enum KycStatus {
  none = 'none',
  pending = 'pending',
  approved = 'approved',
  rejected = 'rejected',
}
registerEnumType(KycStatus, { name: 'KycStatus', description: 'none → pending → approved or rejected; a rejected user may submit again' });

export enum KycDocumentType {
  passport = 'passport',
  id_card = 'id_card',
  driving_licence = 'driving_licence',
  residence_permit = 'residence_permit',
}
registerEnumType(KycDocumentType, { name: 'KycDocumentType' });

export enum KycDecision {
  approved = 'approved',
  rejected = 'rejected',
}
registerEnumType(KycDecision, { name: 'KycDecision' });

@InputType({ description: 'Personal data for identity verification; stored encrypted' })
export class KycSubmissionInput {
  @Field(() => Int, { description: '1: identity document; 2: identity document and address' }) level!: number;
  @Field() fullName!: string;
  @Field({ description: 'YYYY-MM-DD; at least 18 years ago' }) dateOfBirth!: string;
  @Field({ description: 'ISO 3166-1 alpha-2, e.g. BR' }) country!: string;
  @Field(() => String, { nullable: true, description: 'Required for level 2' }) address?: string | null;
  @Field(() => KycDocumentType) documentType!: KycDocumentType;
  @Field() documentNumber!: string;
  @Field({ description: 'The document scan: PNG, JPEG or PDF, base64 (at most 512 KiB decoded)' }) documentImage!: string;
}

@ObjectType({ description: 'KYC personal data: readable by the owner and admins only' })
export class KycPersonalData {
  @Field() fullName!: string;
  @Field() dateOfBirth!: string;
  @Field() country!: string;
  @Field(() => String, { nullable: true }) address!: string | null;
  @Field(() => KycDocumentType) documentType!: KycDocumentType;
  @Field() documentNumber!: string;
  @Field({ description: 'base64' }) documentImage!: string;
  @Field() documentImageType!: string;
}

@ObjectType({ description: "A user's identity verification: readable by the owner, support and admins" })
export class Kyc {
  /** Not in the schema: whose KYC this is, for the personal-data check. */
  userId!: string;
  @Field(() => KycStatus) status!: KycStatus;
  @Field(() => Int, { description: 'The approved level: 0 none, 1 identity, 2 identity and address' }) level!: number;
  @Field(() => Int, { nullable: true, description: 'The level of the latest submission' }) requestedLevel!: number | null;
  @Field(() => DateTimeScalar, { nullable: true }) submittedAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) reviewedAt!: Date | null;
  @Field(() => String, { nullable: true }) rejectionReason!: string | null;
}
