// The Hive peer's configuration (npx hive-gateway supergraph <file> -c this file): defaults,
// plus forwarding the caller's `authorization` header to the subgraphs, with the system's internal
// credential (INTERNAL_API_TOKEN) that every subgraph requires.
const { defineConfig } = require('@graphql-hive/gateway');

exports.gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({
      authorization: request.headers.get('authorization'),
      'x-internal-token': process.env.INTERNAL_API_TOKEN ?? '',
    }),
  },
  logging: 'warn',
});
