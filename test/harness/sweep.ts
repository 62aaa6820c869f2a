import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { Supergraph } from '@apollo/federation-internals';
import { gql, type TestUser } from './client';
import { GATEWAY_HTTP } from './env';

// What the sweeps over the whole supergraph share (test/e2e/scopes.test.ts, bola.test.ts): the
// access policy of every root and User field, and requests built from the schema alone.
export type Access = 'public' | 'read' | 'trade' | 'withdraw' | 'session';

export const POLICY: Record<string, Access> = {
  // Query
  'Query.mySessions': 'session', 'Query.users': 'read', 'Query.user': 'read', 'Query.auditLog': 'read', 'Query.me': 'read',
  'Query.myApiKeys': 'read', 'Query.oidcProviders': 'public', 'Query.myPortfolio': 'read', 'Query.myDeposits': 'read',
  'Query.markets': 'public', 'Query.market': 'public', 'Query.price': 'public', 'Query.prices': 'public', 'Query.assets': 'public',
  'Query.asset': 'public', 'Query.candles': 'public', 'Query.ticker': 'public', 'Query.tickers': 'public', 'Query.order': 'read',
  'Query.myOrders': 'read', 'Query.myFills': 'read', 'Query.myBalances': 'read', 'Query.orderBook': 'public', 'Query.feeSchedule': 'public', 'Query.trades': 'public', 'Query.myPriceAlerts': 'read',
  'Query.deposit': 'read', 'Query.depositChains': 'public', 'Query.webhookEventTypes': 'public', 'Query.webhookEndpoints': 'read',
  'Query.webhookEndpoint': 'read', 'Query.withdrawalQuote': 'read', 'Query.myWithdrawals': 'read', 'Query.withdrawal': 'read',
  'Query.reconciliation': 'session',
  'Query.myWithdrawalAddresses': 'read',
  // Mutation
  'Mutation.login': 'public', 'Mutation.completeLogin': 'public', 'Mutation.refreshSession': 'public', 'Mutation.logout': 'session',
  'Mutation.revokeSession': 'session', 'Mutation.enrolTwoFactor': 'session', 'Mutation.confirmTwoFactor': 'session',
  'Mutation.disableTwoFactor': 'session', 'Mutation.setUserRoles': 'session', 'Mutation.signUp': 'public', 'Mutation.siweNonce': 'public',
  'Mutation.signInWithEthereum': 'public', 'Mutation.walletLinkChallenge': 'session', 'Mutation.linkWallet': 'session',
  'Mutation.unlinkWallet': 'session', 'Mutation.createApiKey': 'session', 'Mutation.revokeApiKey': 'session',
  'Mutation.startOidcSignIn': 'public', 'Mutation.completeOidcSignIn': 'public', 'Mutation.createEmbeddedWallet': 'session',
  'Mutation.submitKyc': 'session', 'Mutation.reviewKyc': 'session', 'Mutation.reencryptKycData': 'session', 'Mutation.rotateSigningKey': 'session',
  'Mutation.addMarket': 'session', 'Mutation.suspendMarket': 'session', 'Mutation.resumeMarket': 'session', 'Mutation.placeOrder': 'trade',
  'Mutation.cancelOrder': 'trade', 'Mutation.amendOrder': 'trade', 'Mutation.cancelAllOrders': 'trade', 'Mutation.creditDemoFunds': 'trade',
  'Mutation.createPriceAlert': 'trade', 'Mutation.addPriceAlert': 'trade', 'Mutation.cancelPriceAlert': 'trade',
  'Mutation.depositAddress': 'read', 'Mutation.reportDeposit': 'read', 'Mutation.devnetFaucet': 'trade', 'Mutation.retryDeposit': 'session',
  'Mutation.createWebhookEndpoint': 'read', 'Mutation.updateWebhookEndpoint': 'read', 'Mutation.pauseWebhookEndpoint': 'read',
  'Mutation.resumeWebhookEndpoint': 'read', 'Mutation.rotateWebhookEndpointSecret': 'read', 'Mutation.deleteWebhookEndpoint': 'read',
  'Mutation.redeliverWebhookEvent': 'read', 'Mutation.sendTestWebhook': 'read', 'Mutation.requestWithdrawal': 'withdraw',
  'Mutation.addWithdrawalAddress': 'withdraw', 'Mutation.setWithdrawalAllowListOnly': 'withdraw', 'Mutation.approveWithdrawal': 'session',
  'Mutation.rejectWithdrawal': 'session',
  // Subscription
  'Subscription.myDepositUpdates': 'read', 'Subscription.priceUpdated': 'public', 'Subscription.candleUpdated': 'public',
  'Subscription.tickerUpdated': 'public', 'Subscription.myOrderUpdates': 'read', 'Subscription.myBalanceUpdates': 'read',
  'Subscription.orderBookUpdated': 'public', 'Subscription.tradesExecuted': 'public', 'Subscription.alertTriggered': 'read',
  'Subscription.myWithdrawalUpdates': 'read',
  'Subscription.withdrawalUpdated': 'read',
  // User: the key `id` is whatever the reference holds; everything else is user data.
  'User.id': 'public', 'User.roles': 'read', 'User.createdAt': 'read', 'User.twoFactorEnabled': 'read', 'User.referralCode': 'read',
  'User.referralRevenueShare': 'read', 'User.referrals': 'read', 'User.email': 'read', 'User.wallets': 'read', 'User.kyc': 'read',
  'User.portfolio': 'read', 'User.deposits': 'read', 'User.orders': 'read', 'User.balances': 'read', 'User.feeTier': 'read', 'User.priceAlerts': 'read',
};

export const KEY_SCOPES = [['read'], ['trade'], ['withdraw'], ['read', 'trade', 'withdraw']] as const;

export function apiSchema(): GraphQLSchema {
  const sdl = readFileSync(path.resolve(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
  return Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
}

/** "Type.field" for every field of the root types and User in the supergraph. */
export function sweptFields(schema: GraphQLSchema): string[] {
  const names: string[] = [];
  for (const typeName of ['Query', 'Mutation', 'Subscription', 'User']) {
    const type = schema.getType(typeName);
    if (type && isObjectType(type)) for (const field of Object.keys(type.getFields())) names.push(`${typeName}.${field}`);
  }
  return names;
}

/** A value of `type` that passes GraphQL validation (what the resolver then thinks of it does not matter here). */
export function sampleValue(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sampleValue(type.ofType);
  if (isListType(type)) return [sampleValue(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0].value;
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) if (isNonNullType(field.type)) value[field.name] = sampleValue(field.type);
    return value;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return 1;
      case 'Float':
        return 1;
      case 'Boolean':
        return false;
      case 'ID':
        return randomUUID();
      case 'Decimal':
        return '1';
      case 'DateTime':
        return new Date(Date.now() + 86_400_000).toISOString();
      default:
        return 'BTC-USDT';
    }
  }
  throw new Error(`no sample for ${String(type)}`);
}

/** A selection that is valid for any output type. */
export function selectionOf(type: GraphQLOutputType): string {
  const named = getNamedType(type);
  return isScalarType(named) || isEnumType(named) ? '' : ' { __typename }';
}

/** One operation calling root field `field` with sample values for its required arguments. */
export function operationFor(kind: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>) {
  const required = field.args.filter((arg) => isNonNullType(arg.type));
  const variables: Record<string, unknown> = {};
  for (const arg of required) variables[arg.name] = sampleValue(arg.type);
  const declarations = required.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const args = required.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const query = `${kind}${declarations ? ` (${declarations})` : ''} { ${field.name}${args ? `(${args})` : ''}${selectionOf(field.type)} }`;
  return { query, variables };
}

/** A request as an integrator sends it: the key in `x-api-key`. */
export async function withKey(apiKey: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(GATEWAY_HTTP, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[] };
}

export async function keyWith(user: TestUser, scopes: readonly string[]): Promise<string> {
  const result = await gql(
    'mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }',
    { input: { label: `sweep-${scopes.join('-')}`, scopes } },
    { token: user.token },
  );
  if (!result.data) throw new Error(`createApiKey: ${JSON.stringify(result.errors)}`);
  return result.data.createApiKey.secret;
}

