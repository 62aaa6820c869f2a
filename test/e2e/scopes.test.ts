import { randomUUID } from 'node:crypto';
import { isObjectType } from 'graphql';
import { collect, credit, signUp, wsClient } from '../harness/client';
import { KEY_SCOPES, POLICY, apiSchema, keyWith, operationFor, selectionOf, sweptFields, withKey, type Access } from '../harness/sweep';

// API-key scopes, swept over the whole supergraph: every field of the root types and of `User`
// is classified (test/harness/sweep.ts POLICY; a new field fails this test until it is), and every
// field that is not public is called through the gateway with an API key of each scope. A key
// lacking the field's scope must be refused with FORBIDDEN before anything happens; `session`
// fields refuse every key. The subgraphs declare the same policy on the fields themselves
// (`@Access`, shared/src/field-access.ts).
const holds = (scopes: readonly string[], access: Access) => access !== 'session' && scopes.includes(access);
const scopeRefusal = (errors: { message: string; extensions?: { code?: string } }[] | undefined) =>
  (errors ?? []).some((e) => e.extensions?.code === 'FORBIDDEN' && /scope|API key/i.test(e.message));

describe('API-key scopes over the whole supergraph', () => {
  const schema = apiSchema();

  it('every field of the root types and of User is classified', () => {
    const fields = sweptFields(schema);
    expect(fields.filter((f) => !(f in POLICY))).toEqual([]);
    // And nothing classified is gone from the graph (a stale table proves nothing).
    expect(Object.keys(POLICY).filter((f) => !fields.includes(f))).toEqual([]);
    // User data is never public, whatever the table says.
    const userData = fields.filter((f) => /^(Query|Subscription)\.(me|my[A-Z]\w*|order)$/.test(f) || (f.startsWith('User.') && f !== 'User.id'));
    expect(userData.filter((f) => POLICY[f] === 'public')).toEqual([]);
  });

  it('every query and mutation that is not public refuses a key without its scope, and lets one with it past the scope check', async () => {
    const user = await signUp();
    const keys = await Promise.all(KEY_SCOPES.map(async (scopes) => ({ scopes, secret: await keyWith(user, scopes) })));
    const results: { field: string; scopes: string; refused: boolean; expected: boolean }[] = [];
    for (const kind of ['query', 'mutation'] as const) {
      const root = kind === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
      for (const field of Object.values(root.getFields())) {
        const name = `${root.name}.${field.name}`;
        const access = POLICY[name];
        if (access === 'public') continue;
        const { query, variables } = operationFor(kind, field);
        for (const key of keys) {
          const answer = await withKey(key.secret, query, variables);
          results.push({ field: name, scopes: key.scopes.join('+'), refused: scopeRefusal(answer.errors), expected: !holds(key.scopes, access) });
        }
      }
    }
    expect(results.filter((r) => r.refused !== r.expected)).toEqual([]);
    expect(results.length).toBeGreaterThan(100);
  });

  it('every User field refuses a key without read, even reached through a trading answer (Order.user)', async () => {
    const user = await signUp();
    const userType = schema.getType('User');
    if (!userType || !isObjectType(userType)) throw new Error('no User type');
    const fields = Object.values(userType.getFields()).filter((f) => POLICY[`User.${f.name}`] !== 'public');
    await credit(user.token, 'USDT', '1000');
    const results: { field: string; scopes: string; refused: boolean; expected: boolean }[] = [];
    for (const scopes of KEY_SCOPES) {
      const secret = await keyWith(user, scopes);
      // Each field alone, so one refusal cannot hide another.
      for (const field of fields) {
        const placed = await withKey(
          secret,
          `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id user { id ${field.name}${selectionOf(field.type)} } } }`,
          { input: { market: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', quantity: '0.01', clientOrderId: `sweep-${randomUUID()}` } },
        );
        if (!scopes.includes('trade')) {
          expect({ scopes, code: placed.errors?.[0]?.extensions?.code }).toEqual({ scopes, code: 'FORBIDDEN' });
          continue;
        }
        results.push({ field: field.name, scopes: scopes.join('+'), refused: scopeRefusal(placed.errors), expected: !scopes.includes('read') });
        if (scopes.includes('read')) expect({ field: field.name, errors: placed.errors }).toEqual({ field: field.name, errors: undefined });
      }
    }
    expect(results.filter((r) => r.refused !== r.expected)).toEqual([]);
  });

  it('every user subscription refuses a key without read', async () => {
    const user = await signUp();
    const subscription = schema.getSubscriptionType()!;
    for (const scopes of KEY_SCOPES) {
      const secret = await keyWith(user, scopes);
      for (const field of Object.values(subscription.getFields())) {
        const access = POLICY[`Subscription.${field.name}`];
        if (access === 'public') continue;
        const { query, variables } = operationFor('subscription', field);
        const client = wsClient(undefined, undefined, { connectionParams: { apiKey: secret } });
        const sub = collect(client, query, variables);
        if (holds(scopes, access)) {
          // Accepted: nothing arrives and no error either, within a moment.
          await new Promise((resolve) => setTimeout(resolve, 300));
          expect({ field: field.name, scopes, error: sub.error }).toEqual({ field: field.name, scopes, error: undefined });
        } else {
          await sub.waitFor(1);
          // Refused in the subscribe step: an error message, or a result carrying the errors.
          const errors = (Array.isArray(sub.error) ? sub.error : (sub.results[0]?.errors ?? [])) as { message: string; extensions?: { code?: string } }[];
          expect({ field: field.name, scopes, refused: Array.isArray(errors) && scopeRefusal(errors) }).toEqual({
            field: field.name,
            scopes,
            refused: true,
          });
        }
        await client.dispose();
      }
    }
  });
});
