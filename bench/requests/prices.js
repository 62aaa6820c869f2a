// Price queries from `config.clients` clients (each bound to one of the signed-up users' tokens),
// each asking for one market in turn. `config.query` is the document: `price(market:)` once the
// markets subgraph serves it, else `market(symbol:)`.
function makeRequest(i, config) {
  const client = i % config.clients;
  const market = config.markets[Math.floor(i / config.clients + client) % config.markets.length];
  const token = config.tokens[client % config.tokens.length];
  return {
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: config.query, operationName: 'Price', variables: { m: market } }),
  };
}

module.exports = { makeRequest };
