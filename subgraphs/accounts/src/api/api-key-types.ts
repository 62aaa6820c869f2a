import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType, DateTimeScalar } from '@tradegraph/shared';

export enum ApiKeyScope {
  read = 'read',
  trade = 'trade',
  withdraw = 'withdraw',
}
registerEnumType(ApiKeyScope, {
  name: 'ApiKeyScope',
  description: 'read: see your data; trade: place, amend and cancel orders; withdraw: move money out',
});

@ObjectType({ description: 'An integrator key. The secret is shown once, at creation, and never again.' })
export class ApiKey {
  @Field(() => ID) id!: string;
  @Field() label!: string;
  @Field({ description: 'The first characters of the secret, to tell keys apart' }) prefix!: string;
  @Field(() => [ApiKeyScope]) scopes!: ApiKeyScope[];
  @Field(() => [String], { description: 'Addresses or CIDR ranges the key works from; empty means anywhere' }) ipAllowList!: string[];
  @Field(() => DateTimeScalar, { nullable: true }) expiresAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) revokedAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When the gateway last exchanged the key' }) lastUsedAt!: Date | null;
  @Field(() => DateTimeScalar) createdAt!: Date;
}

export const ApiKeyConnection = ConnectionType(ApiKey, 'ApiKey');

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKey) apiKey!: ApiKey;
  @Field({ description: 'Send as header `x-api-key`, or as `apiKey` in graphql-ws connection_init. Shown only now.' })
  secret!: string;
}

@InputType()
export class CreateApiKeyInput {
  @Field() label!: string;
  @Field(() => [ApiKeyScope]) scopes!: ApiKeyScope[];
  @Field(() => [String], { nullable: true, description: 'Addresses or CIDR ranges; omit or leave empty for anywhere' })
  ipAllowList?: string[] | null;
  @Field(() => DateTimeScalar, { nullable: true }) expiresAt?: Date | null;
  @Field(() => String, { nullable: true, description: 'Required when two-factor authentication is on: a TOTP or recovery code' })
  twoFactorCode?: string | null;
}
