import { getAddress } from 'ethers';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType, DateTimeScalar } from '@tradegraph/shared';
import type { WalletRecord } from '../infra/entities/wallets';

export enum WalletKindEnum {
  EXTERNAL = 'EXTERNAL',
  EMBEDDED = 'EMBEDDED',
}
registerEnumType(WalletKindEnum, {
  name: 'WalletKind',
  description: 'EXTERNAL: a wallet the user holds and proved by signing; EMBEDDED: created for the user by a wallet provider',
});

@ObjectType({ description: 'An Ethereum wallet linked to a user' })
export class Wallet {
  @Field(() => ID) id!: string;
  @Field({ description: 'EIP-55 checksummed address' }) address!: string;
  @Field(() => WalletKindEnum) kind!: WalletKindEnum;
  @Field(() => String, { nullable: true, description: 'For embedded wallets: the provider that holds the key' }) provider!: string | null;
  @Field(() => DateTimeScalar) createdAt!: Date;
}

/** A wallet as clients see it: the address EIP-55 checksummed. */
export function walletView(record: WalletRecord): Wallet {
  return {
    id: record.id,
    address: getAddress(record.address),
    kind: record.kind as WalletKindEnum,
    provider: record.provider,
    createdAt: record.createdAt,
  };
}

export const WalletConnection = ConnectionType(Wallet, 'Wallet');

@ObjectType({ description: 'What a client needs to build the Sign-In with Ethereum (EIP-4361) message' })
export class SiweChallenge {
  @Field({ description: 'Put this in the message; it works once and expires at expiresAt' }) nonce!: string;
  @Field({ description: 'The domain the message must name' }) domain!: string;
  @Field({ description: 'The message URI must be on this origin' }) uri!: string;
  @Field(() => [Int], { description: 'Chain ids accepted in the message' }) chainIds!: number[];
  @Field(() => DateTimeScalar) issuedAt!: Date;
  @Field(() => DateTimeScalar) expiresAt!: Date;
}

@ObjectType({ description: 'A message to sign (EIP-191 personal_sign) with the wallet being linked' })
export class WalletLinkChallenge {
  @Field() message!: string;
  @Field() nonce!: string;
  @Field(() => DateTimeScalar) expiresAt!: Date;
}
