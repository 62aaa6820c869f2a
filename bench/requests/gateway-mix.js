// The gateway comparison's query mix, alternating: public market data crossing markets and
// matching (every market with its assets and order book: one markets fetch, then one batched
// entity fetch of up to 20 markets to matching), and the signed-in user's view crossing accounts,
// matching and funding. Every request carries one of the signed-up users' tokens, in turn, so
// no gateway can fold identical requests together.
const MARKET_DATA = `query MarketData {
  markets(first: 20) {
    edges {
      node {
        symbol status category tickSize lotSize minNotional
        baseAsset { symbol name decimals }
        quoteAsset { symbol name decimals }
        orderBook(depth: 10) { market sequence bids { price quantity orders } asks { price quantity orders } }
      }
    }
  }
}`;

const USER_VIEW = `query UserView {
  me {
    id email roles createdAt
    orders(first: 5) { edges { node { id side type status price quantity filledQuantity clientOrderId market { symbol } } } }
    balances { asset available locked }
    deposits(first: 5) { edges { node { id network amount status confirmations createdAt } } }
  }
}`;

const bodies = [
  JSON.stringify({ query: MARKET_DATA, operationName: 'MarketData' }),
  JSON.stringify({ query: USER_VIEW, operationName: 'UserView' }),
];

function makeRequest(i, config) {
  const token = config.tokens[Math.floor(i / 2) % config.tokens.length];
  return { headers: { authorization: `Bearer ${token}` }, body: bodies[i % 2] };
}

module.exports = { makeRequest, MARKET_DATA, USER_VIEW };
