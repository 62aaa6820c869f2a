import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '@tradegraph/shared';

@ObjectType({ description: 'A person with an account on the exchange' })
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID) id!: string;
  // Guarded (scope and owner) by their field resolvers in admin-resolvers.ts.
  @Field(() => [String], { description: 'user, support or admin' }) roles!: string[];
  @Field(() => DateTimeScalar) createdAt!: Date;
}

@ObjectType()
export class AuthPayload {
  @Field({ description: 'Send as `Authorization: Bearer <accessToken>`' }) accessToken!: string;
  @Field(() => DateTimeScalar) accessTokenExpiresAt!: Date;
  @Field(() => User) user!: User;
  @Field({ description: 'Single use: trade it for a new pair with `refreshSession`. Keep it secret; it is shown once.' })
  refreshToken!: string;
  @Field(() => DateTimeScalar) refreshTokenExpiresAt!: Date;
  @Field(() => ID, { description: 'The session these tokens belong to (see `mySessions`)' }) sessionId!: string;
}
