// The stock peer: @apollo/gateway + @apollo/server with their default settings on the same
// supergraph, as a team would start them from the docs. The only addition is forwarding the
// caller's `authorization` header, without which the user query cannot be answered, and the
// system's internal credential (INTERNAL_API_TOKEN), without which no subgraph answers at all.
// Usage: node apollo-stock.js <supergraph file> <port>
const { readFileSync } = require('node:fs');
const { ApolloGateway, RemoteGraphQLDataSource } = require('@apollo/gateway');
const { ApolloServer } = require('@apollo/server');
const { startStandaloneServer } = require('@apollo/server/standalone');

class ForwardAuthorization extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context.authorization) request.http.headers.set('authorization', context.authorization);
    request.http.headers.set('x-internal-token', process.env.INTERNAL_API_TOKEN ?? '');
  }
}

async function main() {
  const [supergraphFile, port] = process.argv.slice(2);
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(supergraphFile, 'utf8'),
    buildService: ({ url }) => new ForwardAuthorization({ url }),
  });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: Number(port), host: '127.0.0.1' },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  process.stderr.write(`stock apollo gateway at ${url}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
