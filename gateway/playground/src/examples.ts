// Saved example operations, by domain: the operation documents of the typed client
// (schema/client/operations/*.graphql, bundled as text by build.mjs), one example per operation.
// Their variables have defaults, so each runs as it is.
import { Kind, parse } from 'graphql';
import account from '../../../schema/client/operations/account.graphql';
import funding from '../../../schema/client/operations/funding.graphql';
import marketData from '../../../schema/client/operations/market-data.graphql';
import trading from '../../../schema/client/operations/trading.graphql';

export interface Example {
  name: string;
  kind: 'query' | 'mutation' | 'subscription';
  text: string;
}

export interface ExampleGroup {
  domain: string;
  note: string;
  examples: Example[];
}

function examplesOf(source: string): Example[] {
  return parse(source).definitions.flatMap((definition): Example[] =>
    definition.kind === Kind.OPERATION_DEFINITION && definition.name && definition.loc
      ? [{ name: definition.name.value, kind: definition.operation, text: `${source.slice(definition.loc.start, definition.loc.end)}\n` }]
      : [],
  );
}

export const EXAMPLE_GROUPS: ExampleGroup[] = [
  { domain: 'Market data', note: 'public', examples: examplesOf(marketData) },
  { domain: 'Account', note: 'sign-in and the signed-in user', examples: examplesOf(account) },
  { domain: 'Trading', note: 'sign in first', examples: examplesOf(trading) },
  { domain: 'Funding', note: 'sign in first', examples: examplesOf(funding) },
];
