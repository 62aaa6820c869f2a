import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CLIENT_USER_AGENT_HEADER, FORWARDED_FOR_HEADER, REQUEST_ID_HEADER } from '@tradegraph/shared';
import type { GatewayContext } from './context';

/** A subgraph over HTTP that carries the caller's token and the request id along. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers || !context) return;
    if (context.reqId) headers.set(REQUEST_ID_HEADER, context.reqId);
    if (context.authorization) headers.set('authorization', context.authorization);
    // Set, never appended: what the client sent was already judged by clientIp at the edge.
    if (context.clientIp) headers.set(FORWARDED_FOR_HEADER, context.clientIp);
    if (context.userAgent) headers.set(CLIENT_USER_AGENT_HEADER, context.userAgent);
  }
}
