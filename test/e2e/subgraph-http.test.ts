import { randomUUID } from 'node:crypto';
import { credit, gql, placeOrder, signUp, sql } from '../harness/client';
import { INTERNAL_HEADERS, subgraphUrl, SUBGRAPH_PORT_OFFSET } from '../harness/env';

// Subgraphs answer ordinary GraphQL POSTs (every request of the gateway) straight from node:http
// (shared/src/graphql-http.ts); anything else still goes through express. Both paths must give
// the same answer. A body sent in chunks, without a Content-Length, takes the express path.

type Subgraph = keyof typeof SUBGRAPH_PORT_OFFSET;

interface Answer {
  status: number;
  contentType: string | null;
  cacheControl: string | null;
  body: string;
}

async function post(subgraph: Subgraph, body: string, headers: Record<string, string>, chunked: boolean): Promise<Answer> {
  const bytes = new TextEncoder().encode(body);
  const response = await fetch(`${subgraphUrl(subgraph)}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...INTERNAL_HEADERS, ...headers },
    ...(chunked
      ? {
          body: new ReadableStream({
            start(controller) {
              controller.enqueue(bytes.slice(0, 5));
              controller.enqueue(bytes.slice(5));
              controller.close();
            },
          }),
          duplex: 'half',
        }
      : { body }),
  } as RequestInit);
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    cacheControl: response.headers.get('cache-control'),
    body: await response.text(),
  };
}

/** The same request by both paths; returns the (equal) answer. */
async function bothPaths(subgraph: Subgraph, request: object, headers: Record<string, string> = {}): Promise<Answer> {
  const body = JSON.stringify(request);
  const direct = await post(subgraph, body, headers, false);
  const throughExpress = await post(subgraph, body, headers, true);
  expect(direct).toEqual(throughExpress);
  return direct;
}

const USER_DEPOSITS = `query ($representations: [_Any!]!, $first: Int) {
  _entities(representations: $representations) { ... on User { id deposits(first: $first) { edges { node { id network amount status confirmations createdAt asset { symbol } user { id } } } pageInfo { hasNextPage } } } }
}`;

describe('subgraph HTTP', () => {
  it('answers an entity fetch alike by both paths: data, no-store for user data, the owner only', async () => {
    const alice = await signUp();
    const bob = await signUp();
    for (const [user, count] of [
      [alice, 4],
      [bob, 1],
    ] as const) {
      for (let i = 0; i < count; i += 1) {
        await sql(
          `insert into funding.deposits (id, user_id, asset, network, amount, status, confirmations, tx_hash, created_at)
           values (gen_random_uuid(), $1, 'USDT', 'ethereum', $2::numeric, 'credited', $3::int, $4, now() - make_interval(secs => $3::int))`,
          [user.id, `${i + 1}.5`, i, `0x${randomUUID()}`],
        );
      }
    }
    const representations = [alice, bob].map((u) => ({ __typename: 'User', id: u.id }));
    const answer = await bothPaths('funding', { query: USER_DEPOSITS, variables: { representations, first: 3 } }, { authorization: `Bearer ${alice.token}` });
    expect(answer.status).toBe(200);
    expect(answer.cacheControl).toBe('no-store');
    const body = JSON.parse(answer.body);
    // Alice's newest three of four, newest first, every field as stored; Bob's are not hers to read.
    const rows = await sql(
      `select id, network, amount::text as amount, status, confirmations, created_at from funding.deposits where user_id = $1
       order by created_at desc, id desc limit 3`,
      [alice.id],
    );
    expect(body.data._entities[0]).toEqual({
      id: alice.id,
      deposits: {
        edges: rows.map((r) => ({
          node: {
            id: r.id,
            network: r.network,
            amount: String(Number(r.amount)),
            status: r.status,
            confirmations: r.confirmations,
            createdAt: new Date(r.created_at).toISOString(),
            asset: { symbol: 'USDT' },
            user: { id: alice.id },
          },
        })),
        pageInfo: { hasNextPage: true },
      },
    });
    // deposits is non-null, so Bob's entity as a whole is null, with the refusal as its error.
    expect(body.data._entities[1]).toBeNull();
    expect(body.errors.map((e: any) => [e.path, e.extensions.code])).toEqual([[['_entities', 1, 'deposits'], 'FORBIDDEN']]);
    // Bob's own token reads his one deposit.
    const bobs = JSON.parse((await bothPaths('funding', { query: USER_DEPOSITS, variables: { representations: [representations[1]] } }, { authorization: `Bearer ${bob.token}` })).body);
    expect(bobs.data._entities[0].deposits.edges).toHaveLength(1);
    expect(bobs.data._entities[0].deposits.pageInfo).toEqual({ hasNextPage: false });
  });

  it("answers a User's orders from matching alike by both paths: every field as stored, newest first, the owner only", async () => {
    const alice = await signUp();
    const bob = await signUp();
    await credit(alice.token, 'USDT', '1000');
    await credit(bob.token, 'USDT', '1000');
    // Four resting buys (far below the market) and one cancelled, so statuses and prices differ.
    for (const price of ['11.5', '12', '12.25', '13']) {
      await placeOrder(alice.token, { market: 'SOL-USDT', side: 'buy', type: 'limit', quantity: '1.5', price, clientOrderId: randomUUID() });
    }
    const cancelled = await gql('mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }', {
      input: { market: 'SOL-USDT', side: 'buy', type: 'limit', quantity: '2', price: '10', clientOrderId: `c-${randomUUID()}` },
    }, { token: alice.token });
    await gql('mutation ($id: ID!) { cancelOrder(id: $id) { status } }', { id: cancelled.data.placeOrder.id }, { token: alice.token });
    await placeOrder(bob.token, { market: 'SOL-USDT', side: 'buy', type: 'limit', quantity: '1', price: '9', clientOrderId: randomUUID() });

    const query = `query ($representations: [_Any!]!, $first: Int) {
      _entities(representations: $representations) { ... on User { id orders(first: $first) {
        edges { node { id side type timeInForce price stopPrice quantity quoteAmount filledQuantity status clientOrderId createdAt updatedAt } }
        pageInfo { hasNextPage } } } }
    }`;
    const representations = [alice, bob].map((u) => ({ __typename: 'User', id: u.id }));
    const answer = await bothPaths('matching', { query, variables: { representations, first: 4 } }, { authorization: `Bearer ${alice.token}` });
    expect(answer.cacheControl).toBe('no-store');
    const body = JSON.parse(answer.body);
    const rows = await sql(
      `select id::text as id, side, type, time_in_force, price::text as price, quantity::text as quantity,
              filled_quantity::text as filled, status, client_order_id, created_at, updated_at
         from matching.orders where user_id = $1 order by created_at desc, id desc limit 4`,
      [alice.id],
    );
    const decimal = (text: string | null) => (text === null ? null : String(Number(text)));
    expect(body.data._entities[0]).toEqual({
      id: alice.id,
      orders: {
        edges: rows.map((r) => ({
          node: {
            id: r.id,
            side: r.side,
            type: r.type,
            timeInForce: r.time_in_force,
            price: decimal(r.price),
            stopPrice: null,
            quantity: decimal(r.quantity),
            quoteAmount: null,
            filledQuantity: decimal(r.filled),
            status: r.status,
            clientOrderId: r.client_order_id,
            createdAt: new Date(r.created_at).toISOString(),
            updatedAt: new Date(r.updated_at).toISOString(),
          },
        })),
        pageInfo: { hasNextPage: true },
      },
    });
    // The newest is the cancelled one; the rest rest on the book.
    expect(body.data._entities[0].orders.edges.map((e: any) => [e.node.price, e.node.status])).toEqual([
      ['10', 'cancelled'],
      ['13', 'open'],
      ['12.25', 'open'],
      ['12', 'open'],
    ]);
    // Bob's orders are not Alice's to read; his own token reads his one order.
    expect(body.data._entities[1]).toBeNull();
    expect(body.errors.map((e: any) => [e.path, e.extensions.code])).toEqual([[['_entities', 1, 'orders'], 'FORBIDDEN']]);
    const bobs = JSON.parse(
      (await bothPaths('matching', { query, variables: { representations: [representations[1]] } }, { authorization: `Bearer ${bob.token}` })).body,
    );
    expect(bobs.data._entities[0].orders.edges.map((e: any) => e.node.price)).toEqual(['9']);
    expect(bobs.data._entities[0].orders.pageInfo).toEqual({ hasNextPage: false });
  });

  it('answers `me` alike by both paths, and refuses a bad token or none alike', async () => {
    const user = await signUp();
    const me = { query: '{ me { id email roles createdAt } }' };
    const answer = JSON.parse((await bothPaths('accounts', me, { authorization: `Bearer ${user.token}` })).body);
    const [row] = await sql('select created_at from accounts.users where id = $1', [user.id]);
    expect(answer).toEqual({ data: { me: { id: user.id, email: user.email, roles: ['user'], createdAt: new Date(row.created_at).toISOString() } } });

    const bad = await bothPaths('accounts', me, { authorization: 'Bearer not-a-jwt' });
    expect(JSON.parse(bad.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const anonymous = await bothPaths('accounts', me);
    expect(JSON.parse(anonymous.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // A query that does not parse is refused before it runs.
    const broken = await bothPaths('accounts', { query: '{ me { id ' });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body).errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('keeps the public cache hint of market data by both paths', async () => {
    const answer = await bothPaths('markets', { query: '{ markets(first: 2) { edges { node { symbol } } } }' });
    expect(answer.status).toBe(200);
    expect(answer.cacheControl).toMatch(/^max-age=\d+, public$/);
    expect(JSON.parse(answer.body).data.markets.edges).toHaveLength(2);
  });

  it('refuses a body that is not JSON with 400 by both paths', async () => {
    for (const chunked of [false, true]) {
      const answer = await post('accounts', '{"query": ', {}, chunked);
      expect(answer.status).toBe(400);
    }
    const direct = await post('accounts', '{"query": ', {}, false);
    expect(JSON.parse(direct.body).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('still serves the landing page and GET queries through express', async () => {
    const response = await fetch(`${subgraphUrl('markets')}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true', ...INTERNAL_HEADERS },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    // And the gateway, which only ever sends plain POSTs, still answers through the subgraphs.
    expect((await gql('{ markets(first: 1) { edges { node { symbol } } } }')).data.markets.edges).toHaveLength(1);
  });
});
