// What a first-time visitor sees in the editor (GraphiQL keeps the user's own tabs afterwards).
// Lines are kept short so the comment stays readable in a half-width editor pane.
export const DEFAULT_QUERY = `# Welcome to the Tradegraph playground.
#
# Run an operation with the ▶ button or Ctrl-Enter.
#
# Sign in with the key icon on the left
# (email/password, or a browser wallet): it
# sets "Authorization: Bearer <token>" in
# "Headers" below, which is sent with queries
# and mutations, and authenticates the
# subscription WebSocket.
#
# The star icon lists example operations
# for each domain, and the fee schedule.
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
