import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildSchema, parse, validate } from 'graphql';
import ts from 'typescript';
import { API_SCHEMA_PATH, SCHEMA_DIR, SUPERGRAPH_PATH, apiSchemaSdl } from '../src/compose';

// The typed client for integrators (README, "Typed client"): schema/codegen.cjs generates
// schema/client/generated/ from the checked-in supergraph's API schema and the operation
// documents in schema/client/operations. Everything is checked in; these fail when it is stale.
const CLIENT_DIR = path.join(SCHEMA_DIR, 'client');
const GENERATED_DIR = path.join(CLIENT_DIR, 'generated');
const OPERATIONS_DIR = path.join(CLIENT_DIR, 'operations');
// The CLI as integrators and `npm run codegen` run it (its ES-module dependencies keep it out of
// jest's module system anyway).
const CODEGEN_BIN = path.join(path.dirname(require.resolve('@graphql-codegen/cli/package.json')), 'cjs', 'bin.js');

async function operationFiles(): Promise<string[]> {
  return (await readdir(OPERATIONS_DIR)).filter((f) => f.endsWith('.graphql')).sort();
}

describe('typed client (graphql-codegen)', () => {
  it('client/schema.graphql is the API schema of the checked-in supergraph', async () => {
    const supergraph = await readFile(SUPERGRAPH_PATH, 'utf8');
    expect(await readFile(API_SCHEMA_PATH, 'utf8')).toEqual(apiSchemaSdl(supergraph));
  });

  it('every operation document validates against the API schema, one document per domain', async () => {
    const schema = buildSchema(await readFile(API_SCHEMA_PATH, 'utf8'));
    const files = await operationFiles();
    expect(files).toEqual(['account.graphql', 'funding.graphql', 'market-data.graphql', 'trading.graphql']);
    for (const file of files) {
      const errors = validate(schema, parse(await readFile(path.join(OPERATIONS_DIR, file), 'utf8')));
      expect({ file, errors: errors.map((e) => e.message) }).toEqual({ file, errors: [] });
    }
  });

  it('the checked-in generated client is what codegen makes now (run `npm run codegen -w schema` when this fails)', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'tradegraph-codegen-'));
    try {
      await promisify(execFile)(process.execPath, [CODEGEN_BIN, '--config', path.join(SCHEMA_DIR, 'codegen.cjs')], {
        cwd: SCHEMA_DIR,
        env: { ...process.env, TRADEGRAPH_CODEGEN_OUT: out },
      });
      const fresh = (await readdir(out)).sort();
      expect((await readdir(GENERATED_DIR)).sort()).toEqual(fresh);
      for (const file of fresh) {
        const checkedIn = await readFile(path.join(GENERATED_DIR, file), 'utf8');
        expect({ file, text: checkedIn }).toEqual({ file, text: await readFile(path.join(out, file), 'utf8') });
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);

  it('the generated client type-checks on its own (strict)', async () => {
    const files = (await readdir(GENERATED_DIR)).map((f) => path.join(GENERATED_DIR, f));
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      skipLibCheck: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  }, 60_000);
});
