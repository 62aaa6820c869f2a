// Serves the GraphiQL playground that gateway/playground/build.mjs bundles into
// dist/playground: the page at `/`, its script and stylesheet under `/playground/`.
// Mount it before the /graphql handler: `app.use(playgroundRouter())`.
import { createHash } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import express, { type Request, type RequestHandler, type Router } from 'express';

export interface PlaygroundOptions {
  /** Directory holding the built index.html, app.js and app.css. */
  dir?: string;
}

// Must match ASSET_PREFIX in gateway/playground/build.mjs, which writes it into index.html.
const ASSET_PATH = '/playground';
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

export function playgroundRouter(options: PlaygroundOptions = {}): Router {
  // The gateway runs compiled from dist/, where the build puts the playground beside the rooms (dist/playground).
  const dir = options.dir ?? path.join(__dirname, '..', 'playground');
  const router = express.Router();

  router.get('/', (req, res, next) => {
    res.set({
      // Revalidated on every load (cheaply, through the ETag), so a rebuilt gateway hands out
      // the new asset versions immediately.
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': contentSecurityPolicy(req),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    res.sendFile('index.html', { root: dir, cacheControl: false }, (err?: NodeJS.ErrnoException) => {
      if (!err) return;
      if (err.code === 'ENOENT' && !res.headersSent) {
        res.status(503).type('text/plain').send('The playground has not been built; run `npm run build -w gateway`.\n');
        return;
      }
      next(err);
    });
  });

  // The page itself is only served at `/`, with the headers set above.
  router.get([ASSET_PATH, `${ASSET_PATH}/`, `${ASSET_PATH}/index.html`], (_req, res) => res.redirect(302, '/'));

  const versions = new ContentVersions();
  router.get(`${ASSET_PATH}/:file`, compressedAssets(dir, versions));
  router.use(
    ASSET_PATH,
    express.static(dir, {
      index: false,
      redirect: false,
      cacheControl: false,
      setHeaders(res, filePath, stat: Stats) {
        // index.html asks for `app.js?v=<content hash>`. Only a request whose hash matches the
        // file on disk may be cached for good; anything else (a hand-typed URL, or a page from
        // another gateway version during a rolling deploy) must not pin this content.
        const requested = res.req.query['v'];
        const cacheable = typeof requested === 'string' && requested === versions.of(filePath, stat);
        res.setHeader('Cache-Control', cacheable ? `public, max-age=${ONE_YEAR_SECONDS}, immutable` : 'no-cache');
        res.setHeader('X-Content-Type-Options', 'nosniff');
      },
    }),
  );

  return router;
}

/** Cache-Control for an asset: for good only when the request names the file's current hash. */
function assetCacheControl(req: Request, version: string): string {
  const requested = req.query['v'];
  return typeof requested === 'string' && requested === version ? `public, max-age=${ONE_YEAR_SECONDS}, immutable` : 'no-cache';
}

/**
 * The bundle is about 1.2 MB of script and 400 KB of CSS; brotli or gzip cuts that to a fifth or
 * less. Each file is compressed once per build (on first request, at a quick brotli level) and
 * kept in memory, so serving it costs no more CPU than serving the raw file. Clients that accept
 * neither encoding, and any other file, fall through to the plain static handler.
 */
function compressedAssets(dir: string, versions: ContentVersions): RequestHandler {
  const compressed = new Map<string, { mtimeMs: number; size: number; br: Buffer; gzip: Buffer }>();
  const types: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
  return (req, res, next) => {
    const file = String(req.params.file);
    const type = types[path.extname(file)];
    // Brotli when accepted at all (it is the smaller), else gzip.
    const accepted = req.acceptsEncodings('br') === 'br' ? 'br' : req.acceptsEncodings('gzip') === 'gzip' ? 'gzip' : false;
    if (!type || !accepted || file.includes('/') || file.startsWith('.')) return next();
    const filePath = path.join(dir, file);
    let stat: Stats;
    try {
      stat = statSync(filePath);
    } catch {
      return next();
    }
    let entry = compressed.get(filePath);
    if (!entry || entry.mtimeMs !== stat.mtimeMs || entry.size !== stat.size) {
      const raw = readFileSync(filePath);
      entry = {
        mtimeMs: stat.mtimeMs,
        size: stat.size,
        br: brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
        gzip: gzipSync(raw, { level: 6 }),
      };
      compressed.set(filePath, entry);
    }
    const version = versions.of(filePath, stat);
    const encoding = accepted;
    const etag = `"${version}-${encoding}"`;
    res.set({
      'Content-Type': type,
      'Content-Encoding': encoding,
      Vary: 'Accept-Encoding',
      ETag: etag,
      'Cache-Control': assetCacheControl(req, version),
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.headers['if-none-match'] === etag) return void res.status(304).end();
    res.send(entry[encoding]);
  };
}

/**
 * Lets the page load only what it was built with, which also guarantees at run time that the
 * playground never reaches out to a CDN. Styles may be inline because GraphiQL's dialogs
 * inject <style> elements; fonts and icons come as data: URIs inside app.css.
 */
function contentSecurityPolicy(req: Request): string {
  // 'self' covers ws:/wss: to the same host only in newer browsers, so the WebSocket endpoint
  // is spelled out. The Host header is client-supplied: use it only if it is a plain host[:port].
  const host = req.get('host');
  const sockets = host && /^[A-Za-z0-9.\-[\]:]+$/.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/** The `v=` hash build.mjs puts into index.html: sha256 of the file, first 16 hex digits. */
class ContentVersions {
  private readonly cache = new Map<string, { mtimeMs: number; size: number; version: string }>();

  of(filePath: string, stat: Stats): string {
    const cached = this.cache.get(filePath);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.version;
    // Read once per build of the file; the assets are a few hundred KiB to ~1 MiB.
    const version = createHash('sha256').update(readFileSync(filePath)).digest('hex').slice(0, 16);
    this.cache.set(filePath, { mtimeMs: stat.mtimeMs, size: stat.size, version });
    return version;
  }
}
