// Serves the GraphiQL playground that gateway/playground/build.mjs bundles into
// dist/playground: the page at `/`, its script and stylesheet under `/playground/`.
// Mount it before the /graphql handler: `app.use(playgroundRouter())`.
import { createHash } from 'node:crypto';
import { readFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import express, { type Request, type Router } from 'express';

export interface PlaygroundOptions {
  /** Directory holding the built index.html, app.js and app.css. */
  dir?: string;
}

// Must match ASSET_PREFIX in gateway/playground/build.mjs, which writes it into index.html.
const ASSET_PATH = '/playground';
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

export function playgroundRouter(options: PlaygroundOptions = {}): Router {
  // The gateway runs compiled from dist/, where the build puts the playground next to this file.
  const dir = options.dir ?? path.join(__dirname, 'playground');
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
