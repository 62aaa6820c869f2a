// The Hive peer's configuration (npx hive-gateway supergraph <file> -c this file): defaults,
// plus forwarding the caller's `authorization` header to the subgraphs.
const { defineConfig } = require('@graphql-hive/gateway');

exports.gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
  },
  logging: 'warn',
});
