// Entry point of the playground bundle. Plain JSX rather than TSX: the React type packages are
// not part of this workspace, so the typed logic lives in the .ts modules next to this file.
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
// The prebuilt stylesheet carries GraphiQL's fonts as data: URIs, so nothing is fetched from a CDN.
import 'graphiql/graphiql.css';
import './page.css';
import { DEFAULT_QUERY } from './default-query';
import { createPlaygroundFetcher, sameOriginEndpoints } from './fetcher';
import { playgroundPlugins } from './panels';
import { readUrlOperation, writeUrlParam } from './url-state';

const endpoints = sameOriginEndpoints(window.location);
const fetcher = createPlaygroundFetcher(endpoints);
// Made once: GraphiQL compares plugins by identity.
const plugins = playgroundPlugins(endpoints.httpUrl);

// Read once: GraphiQL re-applies these props whenever they change, which would fight the
// user's typing if they were derived from the URL on every render.
const fromUrl = readUrlOperation(window.location.search);

createRoot(document.getElementById('playground')).render(
  <GraphiQL
    fetcher={fetcher}
    plugins={plugins}
    defaultQuery={DEFAULT_QUERY}
    query={fromUrl.query}
    variables={fromUrl.variables}
    operationName={fromUrl.operationName}
    isHeadersEditorEnabled
    // Tokens typed into the headers editor stay in memory unless the user opts in through
    // GraphiQL's settings dialog.
    shouldPersistHeaders={false}
    // GraphiQL reports the initial editor contents as an edit too; the welcome text is left
    // out of the URL so that a plain visit does not end up with a kilobyte of query string.
    onEditQuery={(query) => writeUrlParam('query', query === DEFAULT_QUERY ? undefined : query)}
    onEditVariables={(variables) => writeUrlParam('variables', variables)}
    onEditOperationName={(name) => writeUrlParam('operationName', name ?? undefined)}
  >
    {/* Replaces GraphiQL's default logo, which links out to GitHub. */}
    <GraphiQL.Logo>Tradegraph playground</GraphiQL.Logo>
  </GraphiQL>,
);
