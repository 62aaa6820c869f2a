import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { parse, printSchema } from 'graphql';
import { GRAPHQL_PATH, PORT_OFFSETS, SUBGRAPH_NAMES, subgraphSdl, type SubgraphDefinition, type SubgraphName } from '@tradegraph/shared';
import { definition as accounts } from '@tradegraph/accounts';
import { definition as markets } from '@tradegraph/markets';
import { definition as trading } from '@tradegraph/trading';
import { definition as funding } from '@tradegraph/funding';
import { definition as analytics } from '@tradegraph/analytics';
import { definition as matching } from '@tradegraph/matching';

/**
 * Composition: each subgraph's SDL (printed from its code-first schema) is written to
 * schema/subgraphs/<name>.graphql and composed with @apollo/composition into
 * schema/supergraph.graphql. Both are checked in, so a schema change shows up in review, and
 * a test fails when they are stale.
 */
export const SCHEMA_DIR = path.resolve(__dirname, '..');
export const SUPERGRAPH_PATH = path.join(SCHEMA_DIR, 'supergraph.graphql');
/** The public API schema (the supergraph without federation's own types and directives): what clients and codegen see. */
export const API_SCHEMA_PATH = path.join(SCHEMA_DIR, 'client', 'schema.graphql');

/** The API schema of a supergraph, printed: every type and field clients can use, no join__/link__ machinery. */
export function apiSchemaSdl(supergraphSdl: string): string {
  return printSchema(Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema()) + '\n';
}

const definitions: Record<SubgraphName, SubgraphDefinition<any, any>> = { accounts, markets, trading, funding, analytics, matching };

/** The URLs written into the supergraph are the local defaults; the gateway overrides them from config. */
const DEFAULT_URLS = Object.fromEntries(
  SUBGRAPH_NAMES.map((name) => [name, `http://127.0.0.1:${4000 + PORT_OFFSETS[name]}${GRAPHQL_PATH}`]),
) as Record<SubgraphName, string>;

export interface Composition {
  subgraphs: Record<SubgraphName, string>;
  supergraph: string;
}

export async function compose(): Promise<Composition> {
  const subgraphs = {} as Record<SubgraphName, string>;
  for (const name of SUBGRAPH_NAMES) subgraphs[name] = await subgraphSdl(definitions[name]);
  const result = composeServices(SUBGRAPH_NAMES.map((name) => ({ name, url: DEFAULT_URLS[name], typeDefs: parse(subgraphs[name]) })));
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return { subgraphs, supergraph: result.supergraphSdl };
}

export async function readCheckedIn(): Promise<Composition> {
  const subgraphs = {} as Record<SubgraphName, string>;
  for (const name of SUBGRAPH_NAMES) {
    subgraphs[name] = await readFile(path.join(SCHEMA_DIR, 'subgraphs', `${name}.graphql`), 'utf8');
  }
  return { subgraphs, supergraph: await readFile(SUPERGRAPH_PATH, 'utf8') };
}

async function main(): Promise<void> {
  const composition = await compose();
  await mkdir(path.join(SCHEMA_DIR, 'subgraphs'), { recursive: true });
  for (const name of SUBGRAPH_NAMES) {
    await writeFile(path.join(SCHEMA_DIR, 'subgraphs', `${name}.graphql`), composition.subgraphs[name]);
  }
  await writeFile(SUPERGRAPH_PATH, composition.supergraph);
  await mkdir(path.dirname(API_SCHEMA_PATH), { recursive: true });
  await writeFile(API_SCHEMA_PATH, apiSchemaSdl(composition.supergraph));
  console.log(`wrote ${path.relative(process.cwd(), SUPERGRAPH_PATH)} from ${SUBGRAPH_NAMES.length} subgraphs`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
