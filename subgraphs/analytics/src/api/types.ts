import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { DateTimeScalar, DecimalScalar } from '@tradegraph/shared';

@ObjectType()
@Directive('@key(fields: "symbol", resolvable: false)')
export class Asset {
  @Field(() => ID) symbol!: string;
}

@ObjectType({ description: 'How much of one asset a user holds' })
export class Holding {
  @Field(() => DecimalScalar) quantity!: string;
}

@ObjectType({ description: "A user's holdings across the exchange" })
@Directive('@key(fields: "userId")')
export class Portfolio {
  @Field(() => ID) userId!: string;
  @Field(() => DateTimeScalar, { nullable: true }) updatedAt!: Date | null;
}

@ObjectType()
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID) id!: string;
}
