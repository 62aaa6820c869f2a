// What a first-time visitor sees in the editor (GraphiQL keeps the user's own tabs afterwards).
// Lines are kept short so the comment stays readable in a half-width editor pane.
export const DEFAULT_QUERY = `# Welcome to the Tradegraph playground.
#
# Run an operation with the ▶ button or Ctrl-Enter.
#
# Authentication: in "Headers" below, enter
#   { "Authorization": "Bearer <token>" }
# It is sent with queries and mutations, and
# authenticates the subscription WebSocket.
#
# Subscriptions stream into the result pane
# until you press stop, for example:
#   subscription {
#     priceUpdated(market: "BTC-USDT") {
#       market { symbol }
#       price
#     }
#   }

{
  markets(first: 20) {
    edges {
      node {
        symbol
        baseAsset { symbol }
        quoteAsset { symbol }
        lastPrice { price stale }
      }
    }
  }
}
`;
