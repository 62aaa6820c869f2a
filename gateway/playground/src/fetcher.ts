// The GraphiQL fetcher for the playground.
//
// Queries and mutations go over HTTP POST to the same origin's /graphql, carrying whatever
// headers the user typed into GraphiQL's headers editor. Subscriptions go over graphql-ws on
// the same path. A WebSocket cannot carry custom HTTP headers from a browser, so the gateway
// authenticates subscriptions in `connection_init`: the Authorization header is moved into
// `connectionParams.authorization` instead.
import { createGraphiQLFetcher, type Fetcher, type FetcherOpts } from '@graphiql/toolkit';
import { parse, type DocumentNode } from 'graphql';
import { createClient } from 'graphql-ws';

export interface Endpoints {
  httpUrl: string;
  wsUrl: string;
}

/** Both endpoints live on the origin that served the page, so the playground works behind any host name or proxy. */
export function sameOriginEndpoints(location: Pick<Location, 'protocol' | 'host'>): Endpoints {
  const wsProtocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return {
    httpUrl: `${location.protocol}//${location.host}/graphql`,
    wsUrl: `${wsProtocol}//${location.host}/graphql`,
  };
}

/**
 * The Authorization value from the headers editor. HTTP header names are case-insensitive, so
 * `authorization` and `Authorization` are both accepted; blank values count as "no header".
 */
export function authorizationFrom(headers: FetcherOpts['headers']): string | undefined {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'authorization' || typeof value !== 'string') continue;
    const trimmed = value.trim();
    if (trimmed !== '') return trimmed;
  }
  return undefined;
}

export function createPlaygroundFetcher(endpoints: Endpoints): Fetcher {
  // One toolkit fetcher (and so one graphql-ws client) per distinct Authorization value: the
  // credentials are fixed when the socket is opened, so a changed token needs its own socket.
  // The clients are lazy, so an idle one holds no socket and keeping it around costs nothing.
  const byAuthorization = new Map<string, Fetcher>();

  const fetcherFor = (authorization: string | undefined): Fetcher => {
    const key = authorization ?? '';
    let fetcher = byAuthorization.get(key);
    if (!fetcher) {
      const wsClient = createClient({
        url: endpoints.wsUrl,
        lazy: true,
        connectionParams: authorization === undefined ? {} : { authorization },
      });
      // The toolkit merges the editor's headers into every HTTP request itself, and routes
      // subscription operations to `wsClient`.
      fetcher = createGraphiQLFetcher({ url: endpoints.httpUrl, wsClient });
      byAuthorization.set(key, fetcher);
    }
    return fetcher;
  };

  return (params, opts) => {
    // The toolkit sends an operation over the WebSocket only if `documentAST` says it is a
    // subscription. GraphiQL refreshes that AST 100 ms after the last keystroke, so an
    // operation run right after an edit would be judged by the previous text; parse the text
    // that is actually being sent instead.
    const documentAST = parseOrUndefined(params.query) ?? opts?.documentAST;
    return fetcherFor(authorizationFrom(opts?.headers))(params, { ...opts, documentAST });
  };
}

function parseOrUndefined(query: string): DocumentNode | undefined {
  try {
    return parse(query);
  } catch {
    // Invalid text goes to the server as it is, which answers with a proper GraphQL error.
    return undefined;
  }
}
