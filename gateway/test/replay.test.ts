import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import type { FetcherResponse } from '@apollo/utils.fetcher';
import { SubgraphDataSource, SubgraphFetches } from '../src/execution/datasource';

const fetches = new SubgraphFetches();
const withReplayedResponse: SubgraphFetches['withReplayedResponse'] = (context, response, execute) => fetches.withReplayedResponse(context, response, execute);
import type { GatewayContext } from '../src/context';

// A forwarded mutation whose answer needs the executor's shaping is run through the executor
// with the subgraph's response it already has (forward.ts). The data source must hand that
// response over and never send the request: a mutation reaches its subgraph once.
let server: http.Server;
let url: string;
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: { fromNetwork: true } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

function processMutation(source: SubgraphDataSource, context: GatewayContext) {
  return source.process({
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query: 'mutation M { doIt }', variables: {}, operationName: 'M' },
    incomingRequestContext: {} as never,
    context,
  });
}

function jsonResponse(body: unknown, status = 200): FetcherResponse {
  const text = JSON.stringify(body);
  const headers = new Map([['content-type', 'application/json']]);
  return {
    url,
    status,
    ok: status >= 200 && status < 300,
    statusText: status === 200 ? 'OK' : 'Bad Request',
    redirected: false,
    bodyUsed: false,
    headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null } as never,
    text: async () => text,
    json: async () => JSON.parse(text),
    arrayBuffer: async () => new TextEncoder().encode(text).buffer,
    clone: () => jsonResponse(body, status),
  };
}

describe('replayed subgraph responses', () => {
  it('sends an ordinary fetch, with the caller headers, to the subgraph', async () => {
    const source = new SubgraphDataSource(fetches, { url });
    const before = received.length;
    const response = await processMutation(source, { reqId: 'r-1', viewer: null, authorization: 'Bearer t', clientIp: '10.0.0.1' });
    expect(response.data).toEqual({ fromNetwork: true });
    expect(received.length).toBe(before + 1);
    const sent = received[received.length - 1];
    expect(sent.headers).toMatchObject({ 'x-request-id': 'r-1', authorization: 'Bearer t', 'x-forwarded-for': '10.0.0.1' });
    expect(sent.headers['x-tradegraph-replay']).toBeUndefined();
    expect(JSON.parse(sent.body)).toEqual({ query: 'mutation M { doIt }', variables: {}, operationName: 'M' });
  });

  it('answers a replayed fetch with the response given, without sending it', async () => {
    const source = new SubgraphDataSource(fetches, { url });
    const before = received.length;
    const context: GatewayContext = { reqId: 'r-2', viewer: null };
    const errors = [{ message: 'nope', path: ['doIt'], extensions: { code: 'NOT_FOUND' } }];
    const response = await withReplayedResponse(context, jsonResponse({ data: null, errors }), () => processMutation(source, context));
    expect(response).toMatchObject({ data: null, errors });
    expect(received.length).toBe(before);
  });

  it('never fetches a second time for a replayed request, and reports a failed connection as SUBGRAPH_UNAVAILABLE', async () => {
    const source = new SubgraphDataSource(fetches, { url });
    const before = received.length;
    const context: GatewayContext = { reqId: 'r-3', viewer: null };
    await expect(
      withReplayedResponse(context, jsonResponse({ data: { once: true } }), async () => {
        await processMutation(source, context);
        return processMutation(source, context);
      }),
    ).rejects.toThrow(/already used/);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const failed: GatewayContext = { reqId: 'r-4', viewer: null };
    await expect(withReplayedResponse(failed, refused, () => processMutation(source, failed))).rejects.toMatchObject({
      extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
    });
    expect(received.length).toBe(before);
  });
});
