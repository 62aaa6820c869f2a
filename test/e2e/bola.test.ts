import { randomUUID } from 'node:crypto';
import { Wallet } from 'ethers';
import {
  getNamedType,
  isEnumType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLOutputType,
} from 'graphql';
import { credit, gql, placeOrder, signUp, storedRowsOf, type TestUser } from '../harness/client';
import { KEY_SCOPES, POLICY, apiSchema, keyWith, sampleValue, withKey } from '../harness/sweep';

// Broken object-level authorization, swept over the supergraph: every query and mutation that is
// not public is called by another user — with his session and with an API key of each scope —
// naming the victim's objects wherever an argument can name one (every ID argument gets each of
// the victim's ids; addresses, client order ids and search terms get hers). No answer may carry
// any of her identifiers (beyond what the caller sent), and afterwards none of her data has changed.

/** Scalar fields (two levels deep) of `type`, so that whatever an answer holds is seen. */
function selectionOf(type: GraphQLOutputType, depth = 2): string {
  const named = getNamedType(type);
  if (isScalarType(named) || isEnumType(named)) return '';
  if (!isObjectType(named)) return ' { __typename }';
  const parts = ['__typename'];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((arg) => isNonNullType(arg.type))) continue;
    const inner = getNamedType(field.type);
    if (isScalarType(inner) || isEnumType(inner)) parts.push(field.name);
    else if (depth > 0 && isObjectType(inner)) parts.push(`${field.name}${selectionOf(field.type, depth - 1)}`);
  }
  return ` { ${parts.join(' ')} }`;
}

interface Victim {
  user: TestUser;
  /** Every identifier of hers: none may appear in another user's answer. */
  ids: Record<string, string>;
}

async function victim(): Promise<Victim> {
  const user = await signUp();
  await credit(user.token, 'USDT', '5000');
  const clientOrderId = `victim-${randomUUID()}`;
  const orderId = await placeOrder(user.token, { market: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', quantity: '0.01', clientOrderId });
  const login = await gql(
    'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { ... on AuthPayload { sessionId } } }',
    { e: user.email, p: 'correct horse battery staple' },
  );
  const key = await gql('mutation { createApiKey(input: { label: "victim", scopes: [read] }) { apiKey { id } } }', {}, { token: user.token });
  const wallet = Wallet.createRandom();
  const challenge = await gql('mutation ($a: String!) { walletLinkChallenge(address: $a) { message } }', { a: wallet.address }, { token: user.token });
  const message: string = challenge.data.walletLinkChallenge.message;
  const linked = await gql(
    'mutation ($m: String!, $s: String!) { linkWallet(message: $m, signature: $s) { address } }',
    { m: message, s: await wallet.signMessage(message) },
    { token: user.token },
  );
  const alert = await gql(
    'mutation { createPriceAlert(market: "BTC-USDT", condition: above, price: "1000000") { id } }',
    {},
    { token: user.token },
  );
  const me = await gql('{ me { referralCode } }', {}, { token: user.token });
  for (const result of [login, key, linked, alert, me]) expect(result.errors).toBeUndefined();
  return {
    user,
    ids: {
      userId: user.id,
      email: user.email,
      orderId,
      clientOrderId,
      sessionId: login.data.login.sessionId,
      apiKeyId: key.data.createApiKey.apiKey.id,
      wallet: linked.data.linkWallet.address,
      alertId: alert.data.createPriceAlert.id,
      referralCode: me.data.me.referralCode,
    },
  };
}

/** The argument values that name the victim's objects, for an argument of this name and type. */
function victimValuesFor(name: string, typeName: string, ids: Record<string, string>): string[] {
  if (typeName === 'ID') return [ids.userId, ids.orderId, ids.sessionId, ids.apiKeyId, ids.alertId];
  if (name === 'address') return [ids.wallet];
  if (name === 'clientOrderId' || name === 'idempotencyKey') return [ids.clientOrderId];
  if (name === 'search') return [ids.email, ids.userId];
  if (name === 'userId' || name === 'actorId' || name === 'targetId') return [ids.userId];
  return [];
}

/** Calls of `field` naming the victim: one per argument that can name her objects and value. */
function callsOf(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, ids: Record<string, string>) {
  const calls: { query: string; variables: Record<string, unknown> }[] = [];
  const build = (overrides: Record<string, unknown>) => {
    const variables: Record<string, unknown> = {};
    const used = field.args.filter((arg) => isNonNullType(arg.type) || arg.name in overrides);
    for (const arg of used) variables[arg.name] = arg.name in overrides ? overrides[arg.name] : sampleValue(arg.type);
    const declarations = used.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
    const args = used.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
    return {
      query: `${kind}${declarations ? ` (${declarations})` : ''} { ${field.name}${args ? `(${args})` : ''}${selectionOf(field.type)} }`,
      variables,
    };
  };
  for (const arg of field.args) {
    const named = getNamedType(arg.type);
    for (const value of victimValuesFor(arg.name, named.name, ids)) calls.push(build({ [arg.name]: value }));
  }
  // Queries that name nothing answer about the caller; they must still say nothing about her.
  if (kind === 'query' && calls.length === 0) calls.push(build({}));
  return calls;
}

describe('BOLA sweep over the supergraph', () => {
  it('another user (session or API key of any scope) naming the victim’s objects gets none of her data and changes none', async () => {
    const schema = apiSchema();
    const alice = await victim();
    const before = await storedRowsOf(alice.user.id);
    const balancesBefore = (await gql('{ myBalances { asset available locked } }', {}, { token: alice.user.token })).data;

    const bob = await signUp();
    await credit(bob.token, 'USDT', '5000');
    const callers: { name: string; call: (query: string, variables: Record<string, unknown>) => Promise<{ data?: unknown }> }[] = [
      { name: 'session', call: (query, variables) => gql(query, variables, { token: bob.token }) },
    ];
    for (const scopes of KEY_SCOPES) {
      const secret = await keyWith(bob, scopes);
      callers.push({ name: `key:${scopes.join('+')}`, call: (query, variables) => withKey(secret, query, variables) });
    }

    const leaks: { caller: string; field: string; variables: Record<string, unknown>; leaked: string[] }[] = [];
    let calls = 0;
    const swept = new Set<string>();
    for (const kind of ['query', 'mutation'] as const) {
      const root = kind === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
      for (const field of Object.values(root.getFields())) {
        if (POLICY[`${root.name}.${field.name}`] === 'public') continue;
        for (const { query, variables } of callsOf(kind, field, alice.ids)) {
          swept.add(`${root.name}.${field.name}`);
          const sent = JSON.stringify(variables);
          for (const caller of callers) {
            const answer = await caller.call(query, variables);
            calls += 1;
            const data = JSON.stringify(answer.data ?? null).toLowerCase();
            // Whole values only: order ids are short numbers that occur inside other figures.
            const leaked = Object.entries(alice.ids)
              .filter(([, value]) => !sent.includes(value) && data.includes(JSON.stringify(value).toLowerCase()))
              .map(([name]) => name);
            if (leaked.length > 0) leaks.push({ caller: caller.name, field: `${root.name}.${field.name}`, variables, leaked });
          }
        }
      }
    }
    expect(leaks).toEqual([]);
    // The sweep reached what matters: her orders, sessions, keys, wallets and the staff reads.
    for (const field of ['Query.order', 'Query.user', 'Query.users', 'Mutation.cancelOrder', 'Mutation.amendOrder', 'Mutation.revokeSession',
      'Mutation.revokeApiKey', 'Mutation.unlinkWallet', 'Mutation.setUserRoles', 'Mutation.reviewKyc', 'Query.me', 'Query.myOrders']) {
      expect({ field, swept: swept.has(field) }).toEqual({ field, swept: true });
    }
    expect(calls).toBeGreaterThan(150);

    expect(await storedRowsOf(alice.user.id)).toEqual(before);
    expect((await gql('{ myBalances { asset available locked } }', {}, { token: alice.user.token })).data).toEqual(balancesBefore);
    // And her own access still works: nothing the sweep did ended her session.
    expect((await gql('{ order(id: $id) { id status } }'.replace('$id', JSON.stringify(alice.ids.orderId)), {}, { token: alice.user.token })).data.order).toEqual({
      id: alice.ids.orderId,
      status: expect.any(String),
    });
  });
});
