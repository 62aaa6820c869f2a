// The order flow: client c (of `config.clients`, each bound to one of the signed-up users)
// alternately places a resting limit buy and cancels it by its clientOrderId. Request i belongs
// to client i % clients, so at the default 1,000 requests/s from 1,000 clients each client sends
// one request a second and a cancel follows its place about a second later. The price stays far
// below any ask so orders rest (each placement is a journal write, none a trade).
const PLACE = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status clientOrderId } }';
const CANCEL = 'mutation Cancel($coid: String!) { cancelOrder(clientOrderId: $coid) { id status } }';

function makeRequest(i, config) {
  const client = i % config.clients;
  const turn = Math.floor(i / config.clients);
  const token = config.tokens[client % config.tokens.length];
  const coid = `${config.runId}-${client}-${turn >> 1}`;
  const body =
    turn % 2 === 0
      ? JSON.stringify({
          query: PLACE,
          operationName: 'Place',
          variables: {
            input: {
              market: 'BTC-USDT',
              side: 'buy',
              type: 'limit',
              quantity: '0.01',
              price: String(1000 + (client % 500)),
              clientOrderId: coid,
            },
          },
        })
      : JSON.stringify({ query: CANCEL, operationName: 'Cancel', variables: { coid } });
  return { headers: { authorization: `Bearer ${token}` }, body };
}

module.exports = { makeRequest };
