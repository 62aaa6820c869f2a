import { Arg, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Access, DateTimeScalar } from '@tradegraph/shared';
import { completeOidcSignIn, oidcProviderNames, startOidcSignIn } from '../app/oidc';
import type { IssuedTokens, SecondFactorChallenge } from '../app/sessions';
import type { Context } from './context';
import { LoginResult } from './session-types';

@ObjectType({ description: 'Send the user to authorizationUrl; the issuer redirects back with code and state' })
class OidcAuthorization {
  @Field() authorizationUrl!: string;
  @Field() state!: string;
  @Field(() => DateTimeScalar) expiresAt!: Date;
}

@Resolver()
export class OidcResolver {
  @Access('public')
  @Query(() => [String], { description: 'Names of the OIDC providers configured here (for sign-in buttons)' })
  oidcProviders(@Ctx() ctx: Context): string[] {
    return oidcProviderNames(ctx);
  }

  @Access('public')
  @Mutation(() => OidcAuthorization, { description: 'Step 1 of OIDC sign-in: where to send the user (PKCE and nonce stay on the server)' })
  startOidcSignIn(@Arg('provider') name: string, @Ctx() ctx: Context): Promise<OidcAuthorization> {
    return startOidcSignIn(ctx, name);
  }

  @Access('public')
  @Mutation(() => LoginResult, {
    description:
      'Step 2: the URL the issuer redirected the user to (with code and state); signs in, linking by verified email; with 2FA on, a challenge for `completeLogin`',
  })
  completeOidcSignIn(
    @Arg('provider') name: string,
    @Arg('callbackUrl') callbackUrl: string,
    @Ctx() ctx: Context,
  ): Promise<IssuedTokens | SecondFactorChallenge> {
    return completeOidcSignIn(ctx, name, callbackUrl);
  }
}
