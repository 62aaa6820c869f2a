import { compose, readCheckedIn } from '../src/compose';

// The checked-in SDLs and supergraph are what the gateway serves; they must match the code.
describe('composition', () => {
  it('composes the six subgraphs without errors, and the checked-in supergraph is current', async () => {
    const fresh = await compose(); // throws with every composition error listed
    const checkedIn = await readCheckedIn();
    for (const name of Object.keys(fresh.subgraphs) as (keyof typeof fresh.subgraphs)[]) {
      expect({ name, sdl: checkedIn.subgraphs[name] }).toEqual({ name, sdl: fresh.subgraphs[name] });
    }
    expect(checkedIn.supergraph).toEqual(fresh.supergraph);
  });

  it('joins the entities across subgraphs that the product relies on', async () => {
    const { supergraph } = await compose();
    // Order.market resolves in markets, User.orders comes from matching, Market.orderBook from matching.
    expect(supergraph).toMatch(/type Market[\s\S]*@join__type\(graph: MATCHING, key: "symbol"\)/);
    expect(supergraph).toMatch(/orders\(first: Int\): OrderConnection! @join__field\(graph: MATCHING\)/);
    expect(supergraph).toMatch(/deposits\(filter: DepositFilterInput, first: Int\): DepositConnection! @join__field\(graph: FUNDING\)/);
    expect(supergraph).toMatch(/orderBook\(depth: Int! = 10\): OrderBook! @join__field\(graph: MATCHING\)/);
  });
});
