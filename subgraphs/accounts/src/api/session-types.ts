import { Field, ID, ObjectType, createUnionType } from 'type-graphql';
import { ConnectionType, DateTimeScalar } from '@tradegraph/shared';
import { AuthPayload } from './types';

@ObjectType({ description: 'A signed-in device or client: one chain of refresh tokens' })
export class Session {
  @Field(() => ID) id!: string;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar, { description: 'When it signed in or last refreshed' }) lastUsedAt!: Date;
  @Field(() => DateTimeScalar) expiresAt!: Date;
  @Field(() => String, { nullable: true, description: 'Client address at sign-in' }) ip!: string | null;
  @Field(() => String, { nullable: true }) userAgent!: string | null;
  @Field({ description: 'Whether this is the session of the token making the request' }) current!: boolean;
}
export const SessionConnection = ConnectionType(Session, 'Session');

@ObjectType({ description: 'The password was right and the account has 2FA: send a code with `completeLogin`' })
export class TwoFactorChallenge {
  @Field({ description: 'Pass to `completeLogin` with a TOTP or recovery code' }) challenge!: string;
  @Field(() => DateTimeScalar) expiresAt!: Date;
}

export const LoginResult = createUnionType({
  name: 'LoginResult',
  description: 'Tokens, or — when two-factor authentication is on — a challenge for the second factor',
  types: () => [AuthPayload, TwoFactorChallenge] as const,
  resolveType: (value) => ('challenge' in value ? 'TwoFactorChallenge' : 'AuthPayload'),
});

@ObjectType({ description: 'Add the secret to an authenticator app, then confirm with a code' })
export class TwoFactorEnrolment {
  @Field({ description: 'Base32 TOTP secret, for typing in by hand' }) secret!: string;
  @Field({ description: 'otpauth:// URI, for a QR code' }) otpauthUri!: string;
}

@ObjectType()
export class TwoFactorActivation {
  @Field(() => [String], { description: 'Single-use codes for when the authenticator is lost. Shown only now.' })
  recoveryCodes!: string[];
}

@ObjectType({ description: 'A token signing key (its public half is in the JWKS)' })
export class SigningKey {
  @Field(() => ID) kid!: string;
  @Field(() => DateTimeScalar) createdAt!: Date;
}
