/**
 * Authorization everywhere: user B (and an anonymous caller) asks for every piece of user A's
 * data by every path the graph offers, and gets FORBIDDEN or nothing.
 *
 * Future-proof by construction: the fields and entity types come from the composed
 * schema/supergraph.graphql, and A's objects are found by walking what A can see of themselves
 * (`me` and every `my…` query). A new user-scoped field is checked the day it is composed; a
 * new entity type fails the coverage check until A owns one here (add a fixture step below) or
 * it is listed as public.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildASTSchema,
  getNamedType,
  isEnumType,
  isLeafType,
  isNonNullType,
  isObjectType,
  parse,
  type DirectiveNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLObjectType,
  type ObjectTypeDefinitionNode,
  type ValueNode,
} from 'graphql';
import { Wallet } from 'ethers';
import { credit, gql, placeOrder, signUp, sql, eventually, type TestUser } from '../harness/client';
import { subgraphUrl } from '../harness/env';
import { rootAdmin, signUpAs, userWithRoles } from '../harness/roles';

// ---- the composed schema, with its federation metadata ------------------------------------
const SDL = readFileSync(path.join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
const document = parse(SDL);
const schema = buildASTSchema(document, { assumeValidSDL: true });

/** Types anyone may read; their entity references are not user data. */
const PUBLIC_TYPES = new Set(['Market', 'Asset']);
/** What support may not read (their role's limit), as paths from an entity; admins read everything. */
const SUPPORT_DENIED = new Set(['User.referrals', 'User.kyc.personalData']);

const argOf = (directive: DirectiveNode, name: string): ValueNode | undefined =>
  directive.arguments?.find((a) => a.name.value === name)?.value;
const stringArg = (directive: DirectiveNode, name: string) => {
  const value = argOf(directive, name);
  return value && (value.kind === 'StringValue' || value.kind === 'EnumValue') ? value.value : undefined;
};
const boolArg = (directive: DirectiveNode, name: string) => {
  const value = argOf(directive, name);
  return value?.kind === 'BooleanValue' ? value.value : undefined;
};

/** join__Graph enum value → subgraph name, e.g. ACCOUNTS → accounts. */
const graphNames = new Map<string, string>();
for (const definition of document.definitions) {
  if (definition.kind === 'EnumTypeDefinition' && definition.name.value === 'join__Graph') {
    for (const value of definition.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      if (directive) graphNames.set(value.name.value, stringArg(directive, 'name')!);
    }
  }
}

interface EntityInfo {
  graphs: { graph: string; key: string[] }[];
  /** graph → fields that graph resolves */
  fieldsByGraph: Map<string, string[]>;
}
/** Every type with a resolvable @key, and which subgraph resolves which of its fields. */
const entities = new Map<string, EntityInfo>();
for (const definition of document.definitions) {
  if (definition.kind !== 'ObjectTypeDefinition') continue;
  const node = definition as ObjectTypeDefinitionNode;
  const joinTypes = (node.directives ?? []).filter((d) => d.name.value === 'join__type');
  const typeGraphs = joinTypes.map((d) => graphNames.get(stringArg(d, 'graph')!)!);
  const keyed = joinTypes
    .filter((d) => stringArg(d, 'key') && boolArg(d, 'resolvable') !== false)
    .map((d) => ({ graph: graphNames.get(stringArg(d, 'graph')!)!, key: stringArg(d, 'key')!.split(/\s+/) }));
  if (keyed.length === 0) continue;
  const fieldsByGraph = new Map<string, string[]>();
  for (const field of node.fields ?? []) {
    const joinFields = (field.directives ?? []).filter((d) => d.name.value === 'join__field' && boolArg(d, 'external') !== true);
    const graphs = joinFields.length ? joinFields.map((d) => graphNames.get(stringArg(d, 'graph')!)!) : typeGraphs;
    for (const graph of graphs) fieldsByGraph.set(graph, [...(fieldsByGraph.get(graph) ?? []), field.name.value]);
  }
  entities.set(node.name.value, { graphs: keyed, fieldsByGraph });
}

/** Every type with a @key in some subgraph, resolvable or not. */
const keyedTypes = new Set(
  document.definitions
    .filter((d): d is ObjectTypeDefinitionNode => d.kind === 'ObjectTypeDefinition')
    .filter((d) => (d.directives ?? []).some((x) => x.name.value === 'join__type' && stringArg(x, 'key')))
    .map((d) => d.name.value),
);
const objectType = (name: string) => schema.getType(name) as GraphQLObjectType;

/** Literal arguments for the required ones, or null when there is no harmless guess. */
function requiredArgs(args: readonly GraphQLArgument[]): string | null {
  const parts: string[] = [];
  for (const arg of args) {
    if (!isNonNullType(arg.type) || arg.defaultValue !== undefined) continue;
    const named = getNamedType(arg.type);
    if (named.name === 'Int') parts.push(`${arg.name}: 5`);
    else if (named.name === 'Boolean') parts.push(`${arg.name}: false`);
    else if (isEnumType(named)) parts.push(`${arg.name}: ${named.getValues()[0].name}`);
    else return null;
  }
  return parts.length ? `(${parts.join(', ')})` : '';
}

/** What to ask of one field so that its resolver runs and any content shows. */
function probe(field: GraphQLField<unknown, unknown>): string | null {
  const args = requiredArgs(field.args);
  if (args === null) return null;
  const named = getNamedType(field.type);
  if (isLeafType(named)) return `${field.name}${args}`;
  if (isObjectType(named) && named.getFields().edges) return `${field.name}${args} { edges { __typename } }`;
  // Another entity is another subgraph's business (probed on its own); the subgraph knows only its key.
  if (!isObjectType(named) || keyedTypes.has(named.name)) return `${field.name}${args} { __typename }`;
  // One level into a value object (e.g. User.kyc): its own fields, and the objects below it, run too.
  const inner = ['__typename'];
  for (const child of Object.values(named.getFields())) {
    const childArgs = requiredArgs(child.args);
    if (childArgs === null) continue;
    inner.push(isLeafType(getNamedType(child.type)) ? `${child.name}${childArgs}` : `${child.name}${childArgs} { __typename }`);
  }
  return `${field.name}${args} { ${inner.join(' ')} }`;
}

/** An error's place below the entity, e.g. "User.kyc.personalData". */
const errorPlace = (typename: string, error: { path?: (string | number)[] }) =>
  [typename, ...(error.path ?? []).slice(error.path?.[0] === '_entities' ? 2 : 1).filter((part) => typeof part === 'string')].join('.');

/** Support's answer is right: denied where SUPPORT_DENIED says (FORBIDDEN, no value), complete everywhere else. */
function supportAnswerIsRight(typename: string, field: string, value: unknown, entity: unknown, result: { errors?: any[] }): boolean {
  if (SUPPORT_DENIED.has(`${typename}.${field}`)) return isNothing(value) && codes(result).includes('FORBIDDEN');
  const errors = result.errors ?? [];
  return (
    entity != null && errors.every((error) => error.extensions?.code === 'FORBIDDEN' && SUPPORT_DENIED.has(errorPlace(typename, error)))
  );
}

/** A selection that shows A's objects: every leaf, and objects below down to `depth`. */
function walk(type: GraphQLObjectType, depth: number): string {
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    const args = requiredArgs(field.args);
    if (args === null) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(`${field.name}${args}`);
    else if (isObjectType(named) && depth > 0 && !PUBLIC_TYPES.has(named.name) && named.name !== 'User') {
      parts.push(`${field.name}${args} { ${walk(named, depth - 1)} }`);
    }
  }
  return parts.join(' ');
}

/** Every object in a response, by __typename. */
function collectObjects(value: unknown, into: Map<string, Record<string, unknown>[]>): void {
  if (Array.isArray(value)) value.forEach((item) => collectObjects(item, into));
  else if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.__typename === 'string') into.set(object.__typename, [...(into.get(object.__typename) ?? []), object]);
    Object.values(object).forEach((item) => collectObjects(item, into));
  }
}

/** Everything A can see of themselves: `me` and every `my…` query with no required arguments. */
async function ownedBy(user: TestUser): Promise<Map<string, Record<string, unknown>[]>> {
  const found = new Map<string, Record<string, unknown>[]>();
  const query = schema.getQueryType()!;
  const roots = Object.values(query.getFields()).filter((f) => f.name === 'me' || /^my[A-Z]/.test(f.name));
  for (const root of roots) {
    const named = getNamedType(root.type);
    const args = requiredArgs(root.args);
    if (args === null || !isObjectType(named)) continue;
    const result = await gql(`{ ${root.name}${args} { ${walk(named, 4)} } }`, {}, { token: user.token });
    collectObjects(result.data, found);
  }
  return found;
}

const codes = (result: { errors?: { extensions?: { code?: string } }[] }) => (result.errors ?? []).map((e) => e.extensions?.code);
const DENIED = ['FORBIDDEN', 'UNAUTHENTICATED'];
const isNothing = (value: any) =>
  value === null ||
  value === undefined ||
  (Array.isArray(value) && value.length === 0) ||
  (Array.isArray(value?.edges) && value.edges.length === 0);

/** `_entities` straight at a subgraph, as a caller who reached it past the gateway would. */
async function entitiesAt(graph: string, typename: string, representation: Record<string, unknown>, selection: string, token?: string) {
  return gql(
    `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { ${selection} } } }`,
    { r: [{ __typename: typename, ...representation }] },
    { token, url: `${subgraphUrl(graph as never)}/graphql` },
  );
}

interface Probe {
  label: string;
  graph: string;
  typename: string;
  representation: Record<string, unknown>;
  field: string;
  selection: string;
}

describe('authorization everywhere', () => {
  let a: TestUser;
  let b: TestUser;
  let owned: Map<string, Record<string, unknown>[]>;
  let probes: Probe[];

  beforeAll(async () => {
    // ---- user A and one of everything a user can own --------------------------------------
    a = await signUp();
    b = await signUp();
    const counterparty = await signUp();
    await credit(a.token, 'ETH', '1');
    await credit(a.token, 'USDC', '100');
    await credit(counterparty.token, 'USDC', '2000');
    // A resting order, and a trade: the counterparty's bid is far above any other, so A's sell fills against it.
    await placeOrder(a.token, {
      market: 'ETH-USDC',
      side: 'buy',
      type: 'limit',
      price: '1000.01',
      quantity: '0.01',
      clientOrderId: 'authz-rest',
    });
    await placeOrder(counterparty.token, {
      market: 'ETH-USDC',
      side: 'buy',
      type: 'limit',
      price: '9999.01',
      quantity: '0.01',
      clientOrderId: 'authz-bid',
    });
    await placeOrder(a.token, {
      market: 'ETH-USDC',
      side: 'sell',
      type: 'limit',
      price: '9999.01',
      quantity: '0.01',
      clientOrderId: 'authz-sell',
    });
    await sql(
      `insert into funding.deposits (id, user_id, asset, network, amount, status, confirmations, tx_hash) values (gen_random_uuid(), $1, 'USDC', 'ethereum', 25, 'credited', 12, $2)`,
      [a.id, `0x${randomUUID().replace(/-/g, '')}`],
    );
    await sql(`insert into analytics.portfolio_holdings (user_id, asset, quantity) values ($1, 'ETH', 0.99)`, [a.id]);
    const alert = await gql(
      'mutation { createPriceAlert(market: "ETH-USDC", condition: above, price: "1000000") { id } }',
      {},
      { token: a.token },
    );
    expect(alert.errors).toBeUndefined();
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('scan')]).toString('base64');
    const kyc = await gql(
      'mutation ($i: KycSubmissionInput!) { submitKyc(input: $i) { status } }',
      {
        i: {
          level: 1,
          fullName: 'Alice Owner',
          dateOfBirth: '1985-01-02',
          country: 'PT',
          documentType: 'id_card',
          documentNumber: 'CC123456',
          documentImage: png,
        },
      },
      { token: a.token },
    );
    expect(kyc.errors).toBeUndefined();
    const referralCode = (await gql('{ me { referralCode } }', {}, { token: a.token })).data.me.referralCode;
    await signUpAs(`referred-${randomUUID()}@example.com`, { referralCode });
    // Optional steps for features that may or may not be composed yet.
    const mutations = schema.getMutationType()!.getFields();
    if (mutations.walletLinkChallenge && mutations.linkWallet) {
      const wallet = Wallet.createRandom();
      const challenge = await gql(
        'mutation ($a: String!) { walletLinkChallenge(address: $a) { message } }',
        { a: wallet.address },
        { token: a.token },
      );
      const message = challenge.data.walletLinkChallenge.message;
      const linked = await gql(
        'mutation ($m: String!, $s: String!) { linkWallet(message: $m, signature: $s) { id } }',
        { m: message, s: await wallet.signMessage(message) },
        { token: a.token },
      );
      expect(linked.errors).toBeUndefined();
    }
    if (mutations.createApiKey) {
      const key = await gql(
        'mutation { createApiKey(input: { label: "authz", scopes: [read] }) { apiKey { id } } }',
        {},
        { token: a.token },
      );
      expect(key.errors).toBeUndefined();
    }

    // ---- what A owns, found by walking A's own view ---------------------------------------
    owned = await eventually(async () => {
      const found = await ownedBy(a);
      expect(found.get('Fill')?.length ?? 0).toBeGreaterThan(0);
      return found;
    });

    // ---- one probe per (entity, subgraph, field) -----------------------------------------
    probes = [];
    for (const [typename, info] of entities) {
      if (PUBLIC_TYPES.has(typename)) continue;
      const instances = typename === 'User' ? [{ id: a.id }] : (owned.get(typename) ?? []);
      for (const { graph, key } of info.graphs) {
        for (const instance of instances.slice(0, 2)) {
          const representation = Object.fromEntries(key.map((k) => [k, instance[k]]));
          for (const fieldName of info.fieldsByGraph.get(graph) ?? []) {
            if (key.includes(fieldName)) continue; // the caller sent these; echoing them leaks nothing
            const selection = probe(objectType(typename).getFields()[fieldName]);
            if (selection)
              probes.push({ label: `${typename}.${fieldName} @${graph}`, graph, typename, representation, field: fieldName, selection });
          }
        }
      }
    }
  });

  it('found one of every user-scoped entity type of the graph owned by A', () => {
    const missing = [...entities.keys()].filter((t) => !PUBLIC_TYPES.has(t) && t !== 'User' && !owned.get(t)?.length);
    // A new entity type fails here until the fixture above creates one for A (or it is public).
    expect(missing).toEqual([]);
    // The fixtures made what they meant to, so the probes below have A's objects to ask for.
    const expected = ['Order', 'Fill', 'Balance', 'Deposit', 'PriceAlert', 'Portfolio', 'Kyc', 'Session', 'ApiKey', 'Wallet'].filter((t) =>
      schema.getType(t),
    );
    expect([...owned.keys()]).toEqual(expect.arrayContaining(expected));
    expect(probes.length).toBeGreaterThan(30);
  });

  it('answers the owner every field through _entities at each subgraph (the probes can see data)', async () => {
    const failures: string[] = [];
    for (const p of probes) {
      const result = await entitiesAt(p.graph, p.typename, p.representation, p.selection, a.token);
      if (result.errors || !result.data?._entities?.[0]) failures.push(`${p.label}: ${JSON.stringify(result.errors ?? result.data)}`);
    }
    expect(failures).toEqual([]);
  });

  it.each([
    ['another user', () => b.token],
    ['an anonymous caller', () => undefined],
  ])('gives %s nothing of A through _entities at any subgraph', async (_who, token) => {
    const leaks: string[] = [];
    for (const p of probes) {
      const result = await entitiesAt(p.graph, p.typename, p.representation, p.selection, token());
      const entity = result.data?._entities?.[0];
      const value = entity ? entity[p.field] : null;
      const wrongCodes = codes(result).filter((c) => !DENIED.includes(c!));
      if (!isNothing(value) || wrongCodes.length) leaks.push(`${p.label}: ${JSON.stringify({ value, errors: result.errors })}`);
    }
    expect(leaks).toEqual([]);
  });

  it('lets support read what support may, and admins everything, through _entities', async () => {
    const support = await userWithRoles(['support']);
    const admin = await rootAdmin();
    const problems: string[] = [];
    for (const p of probes) {
      const bySupport = await entitiesAt(p.graph, p.typename, p.representation, p.selection, support.token);
      const entity = bySupport.data?._entities?.[0];
      if (!supportAnswerIsRight(p.typename, p.field, entity?.[p.field], entity, bySupport)) {
        problems.push(`support ${p.label}: ${JSON.stringify(bySupport)}`);
      }
      const byAdmin = await entitiesAt(p.graph, p.typename, p.representation, p.selection, admin.token);
      if (byAdmin.errors || !byAdmin.data?._entities?.[0]) problems.push(`admin ${p.label}: ${JSON.stringify(byAdmin)}`);
    }
    expect(problems).toEqual([]);
  });

  it('refuses every User field of A through the gateway to B and to anonymous callers; support and admin read theirs', async () => {
    const fields = Object.values(objectType('User').getFields())
      .map((f) => ({ name: f.name, selection: probe(f) }))
      .filter((f): f is { name: string; selection: string } => f.selection !== null);
    const support = await userWithRoles(['support']);
    const admin = await rootAdmin();
    const problems: string[] = [];
    for (const field of fields) {
      const query = `query ($id: ID!) { user(id: $id) { id ${field.selection} } }`;
      for (const [who, token] of [
        ['B', b.token],
        ['anonymous', undefined],
      ] as const) {
        const result = await gql(query, { id: a.id }, { token });
        if (!isNothing(result.data?.user?.[field.name]) || !codes(result).every((c) => DENIED.includes(c!)) || !result.errors) {
          problems.push(`${who} user.${field.name}: ${JSON.stringify(result)}`);
        }
      }
      const bySupport = await gql(query, { id: a.id }, { token: support.token });
      if (!supportAnswerIsRight('User', field.name, bySupport.data?.user?.[field.name], bySupport.data?.user, bySupport)) {
        problems.push(`support user.${field.name}: ${JSON.stringify(bySupport)}`);
      }
      const byAdmin = await gql(query, { id: a.id }, { token: admin.token });
      if (byAdmin.errors || byAdmin.data.user.id !== a.id) problems.push(`admin user.${field.name}: ${JSON.stringify(byAdmin)}`);
    }
    expect(problems).toEqual([]);
    expect(fields.length).toBeGreaterThan(10);
  });

  it("gives B nothing by A's ids through any query, and lets B change nothing of A's through any mutation", async () => {
    const before = JSON.stringify([...(await ownedBy(a)).entries()].sort());
    const problems: string[] = [];
    let tried = 0;
    const triedFields = new Set<string>();
    // Another user's object is as good as absent: NOT_FOUND (UNKNOWN_ORDER is the engine's word for it).
    const okCodes = DENIED.concat('NOT_FOUND', 'UNKNOWN_ORDER');
    for (const rootType of [schema.getQueryType()!, schema.getMutationType()!]) {
      for (const field of Object.values(rootType.getFields())) {
        const named = getNamedType(field.type);
        const idArg = field.args.find((arg) => ['id', 'userId', 'address'].includes(arg.name));
        if (!idArg || !isObjectType(named) || PUBLIC_TYPES.has(named.name)) continue;
        let others = requiredArgs(field.args.filter((arg) => arg !== idArg));
        if (others === null) continue;
        // A change for mutations to make (amendOrder needs one): if B could, A's data would show it.
        const decimals = field.args.filter((arg) => !isNonNullType(arg.type) && getNamedType(arg.type).name === 'Decimal');
        if (rootType === schema.getMutationType() && decimals.length) {
          others = `(${[others.replace(/^\(|\)$/g, ''), ...decimals.map((arg) => `${arg.name}: "1"`)].filter(Boolean).join(', ')})`;
        }
        const instances = named.name === 'User' ? [{ id: a.id }] : (owned.get(named.name) ?? []);
        for (const instance of instances.slice(0, 2)) {
          const value = idArg.name === 'userId' ? a.id : instance[idArg.name];
          if (value === undefined) continue;
          const inner = others.replace(/^\(|\)$/g, '');
          const operation = rootType === schema.getMutationType() ? 'mutation' : 'query';
          const text = `${operation} ($v: ${idArg.type.toString()}) { ${field.name}(${idArg.name}: $v${inner ? `, ${inner}` : ''}) { __typename } }`;
          for (const token of [b.token, undefined]) {
            tried += 1;
            triedFields.add(field.name);
            const result = await gql(text, { v: value }, { token });
            if (!isNothing(result.data?.[field.name]) || !result.errors || !codes(result).every((c) => okCodes.includes(c!))) {
              problems.push(`${field.name}(${idArg.name}: ${value}) as ${token ? 'B' : 'anonymous'}: ${JSON.stringify(result)}`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(tried).toBeGreaterThan(4);
    // The paths known today are among those tried (the walk finds new ones by itself).
    const known = ['user', 'order', 'cancelOrder', 'amendOrder', 'revokeSession', 'revokeApiKey', 'unlinkWallet'];
    const composed = known.filter((name) => schema.getQueryType()!.getFields()[name] || schema.getMutationType()!.getFields()[name]);
    expect([...triedFields].sort()).toEqual(expect.arrayContaining(composed));
    // And A's data is as it was.
    expect(JSON.stringify([...(await ownedBy(a)).entries()].sort())).toBe(before);
  });
});
