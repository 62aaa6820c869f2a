import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { REQUEST_ID_HEADER } from '@tradegraph/shared';
import type { GatewayContext } from './context';

/** A subgraph over HTTP that carries the caller's token and the request id along. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers || !context) return;
    if (context.reqId) headers.set(REQUEST_ID_HEADER, context.reqId);
    if (context.authorization) headers.set('authorization', context.authorization);
  }
}
