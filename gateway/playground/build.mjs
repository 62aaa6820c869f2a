// Builds the playground into gateway/dist/playground (index.html, app.js, app.css), which
// gateway/src/playground.ts serves. Everything GraphiQL needs is bundled, because the
// playground must work where the browser cannot reach the internet.
//
// Run from anywhere: `node gateway/playground/build.mjs` (the gateway's `build` script does).
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', 'dist', 'playground');
// Must match the prefix under which gateway/src/playground.ts serves the directory.
const ASSET_PREFIX = '/playground/';

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });

await build({
  entryPoints: { app: join(here, 'src', 'main.jsx') },
  outdir: outDir,
  bundle: true,
  platform: 'browser',
  format: 'iife',
  // Browsers an integrator plausibly uses today; GraphiQL itself needs nothing newer.
  target: ['chrome109', 'edge109', 'firefox115', 'safari15'],
  jsx: 'automatic',
  minify: true,
  // React and graphql-js pick their production code paths from this.
  define: { 'process.env.NODE_ENV': '"production"' },
  // Every dependency is MIT licensed; the notices go to app.js.LEGAL.txt / app.css.LEGAL.txt
  // rather than into the served files.
  legalComments: 'external',
  // GraphiQL's stylesheet already inlines its fonts and images as data: URIs. Should a future
  // version reference real files again, inline them too instead of silently emitting a
  // reference the router would have to know about.
  loader: { '.graphql': 'text', '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
  logLevel: 'warning',
});

// index.html references the assets with a content hash in the query string, so the router
// can let browsers cache them for a long time while a rebuilt bundle is still picked up.
const assetUrl = async (file) => {
  const hash = createHash('sha256').update(await readFile(join(outDir, file))).digest('hex').slice(0, 16);
  return `${ASSET_PREFIX}${file}?v=${hash}`;
};
const template = await readFile(join(here, 'index.html'), 'utf8');
const html = template.replace('%APP_JS%', await assetUrl('app.js')).replace('%APP_CSS%', await assetUrl('app.css'));
await writeFile(join(outDir, 'index.html'), html);

await assertNoExternalResources();

const sizes = await Promise.all(
  ['index.html', 'app.js', 'app.css'].map(async (file) => `${file} ${((await stat(join(outDir, file))).size / 1024).toFixed(0)} KiB`),
);
console.log(`playground built into ${outDir}: ${sizes.join(', ')}`);

/**
 * Fails the build if the served files point at anything outside the page's own origin.
 * Plain strings such as XML namespaces or links inside error messages are never fetched,
 * so only the places a browser actually loads from are checked: CSS url()/@import and the
 * src/href attributes of index.html.
 */
async function assertNoExternalResources() {
  const problems = [];
  const css = await readFile(join(outDir, 'app.css'), 'utf8');
  for (const [, ref] of css.matchAll(/url\(\s*["']?([^"')\s]+)/g)) {
    if (!ref.startsWith('data:')) problems.push(`app.css: url(${ref.slice(0, 80)})`);
  }
  for (const [statement] of css.matchAll(/@import[^;]*;/g)) problems.push(`app.css: ${statement}`);
  const html = await readFile(join(outDir, 'index.html'), 'utf8');
  for (const [, ref] of html.matchAll(/(?:src|href)="([^"]*)"/g)) {
    if (!ref.startsWith(ASSET_PREFIX) && !ref.startsWith('data:')) problems.push(`index.html: ${ref}`);
  }
  if (problems.length > 0) {
    throw new Error(`playground output references external resources:\n  ${problems.join('\n  ')}`);
  }
}
