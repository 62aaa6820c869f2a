// graphql-codegen config for the typed client integrators use (README, "Typed client").
//
// Input: the API schema of the checked-in supergraph (client/schema.graphql, written by
// `npm run compose`) and the public operations in client/operations/*.graphql (the same
// documents the playground offers as saved examples). Output: client/generated/, checked in.
// Runs offline. Regenerate with `npm run codegen -w schema`; schema/test/codegen.test.ts fails
// when the checked-in output is stale.
const path = require('node:path');

const here = __dirname;
// Only schema/test/codegen.test.ts sets this: it regenerates into a temporary directory and
// compares the result with the checked-in files.
const outDir = process.env.TRADEGRAPH_CODEGEN_OUT ?? path.join(here, 'client', 'generated');

/** @type {import('@graphql-codegen/cli').CodegenConfig} */
module.exports = {
  overwrite: true,
  silent: true,
  schema: path.join(here, 'client', 'schema.graphql'),
  documents: path.join(here, 'client', 'operations', '*.graphql'),
  ignoreNoDocuments: false,
  generates: {
    [outDir + path.sep]: {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Money and times travel as strings (never floats).
        scalars: { Decimal: 'string', DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: false,
      },
    },
  },
};
