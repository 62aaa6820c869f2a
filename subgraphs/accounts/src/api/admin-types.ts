import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType, DateTimeScalar } from '@tradegraph/shared';
import { User } from './types';

export enum RoleName {
  user = 'user',
  support = 'support',
  admin = 'admin',
}
registerEnumType(RoleName, { name: 'Role', description: 'user: trades; support: reads users; admin: also changes them' });

export const UserConnection = ConnectionType(User, 'User');

@ObjectType({ description: 'One admin action, as the append-only audit log keeps it' })
export class AuditEntry {
  @Field(() => ID) id!: string;
  @Field(() => DateTimeScalar) at!: Date;
  @Field(() => ID, { description: 'The admin who acted' }) actorId!: string;
  @Field({ description: 'e.g. set_user_roles, review_kyc, reencrypt_kyc_data, rotate_signing_key' }) action!: string;
  @Field(() => String, { nullable: true }) targetType!: string | null;
  @Field(() => String, { nullable: true }) targetId!: string | null;
  @Field({ description: 'What changed, as a JSON object' }) details!: string;
  @Field(() => String, { nullable: true, description: 'The request id the gateway gave the request' }) requestId!: string | null;
}

export const AuditEntryConnection = ConnectionType(AuditEntry, 'AuditEntry');
