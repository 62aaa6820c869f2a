import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { RequestHandler } from 'express';
import compression from 'compression';
import { config } from '@tradegraph/shared';

export type Encoding = 'br' | 'gzip';

/**
 * Brotli at quality 4 compresses JSON about as fast as gzip's default level and smaller; the
 * higher qualities cost many times the CPU for a few per cent, which an answer written once does
 * not repay. (The playground's bundle is compressed once per build, at its own level.)
 */
const BROTLI_QUALITY = 4;

/**
 * Response compression for the gateway's answers: gzip or brotli, only for answers of at least
 * `threshold` bytes and only when the request's Accept-Encoding asks for it. Small answers — most
 * of the hot path's — cost one comparison. Subscription streams are never compressed: a
 * compressor holds bytes back until its block fills, which would delay events.
 */
export class ResponseCompression {
  /** Accept-Encoding values seen, and what each picks: clients send a handful of distinct strings. */
  private readonly picks = new Map<string, Encoding | null>();

  constructor(readonly threshold: number) {}

  /** From the configuration; null when COMPRESSION=off. */
  static configured(settings = config()): ResponseCompression | null {
    return settings.COMPRESSION === false ? null : new ResponseCompression(settings.COMPRESSION_THRESHOLD_BYTES);
  }

  /** The encoding to answer a request with: brotli when accepted, else gzip, else none. */
  encodingFor(req: IncomingMessage): Encoding | null {
    const header = req.headers['accept-encoding'];
    if (header === undefined || header === '') return null;
    let pick = this.picks.get(header);
    if (pick === undefined) {
      pick = pickEncoding(header);
      if (this.picks.size < 256) this.picks.set(header, pick);
    }
    return pick;
  }

  /** Compresses off the event loop (libuv's thread pool). */
  compress(bytes: Buffer, encoding: Encoding): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const done = (error: Error | null, result: Buffer) => (error ? reject(error) : resolve(result));
      if (encoding === 'br') {
        brotliCompress(
          bytes,
          { params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } },
          done,
        );
      } else {
        gzip(bytes, done);
      }
    });
  }

  /**
   * The same rule for the express app's answers (the pipeline, the CSV export, the playground
   * page), through the `compression` package, which also compresses streamed bodies such as the
   * export as they flow. Requests that accept no encoding skip it entirely.
   */
  middleware(): RequestHandler {
    const compress = compression({
      threshold: this.threshold,
      brotli: { params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } },
      filter: (req, res) => !isStream(res) && compression.filter(req, res),
    });
    return (req, res, next) => (req.headers['accept-encoding'] ? compress(req, res, next) : next());
  }
}

/** Event streams and multipart subscription bodies: written as events happen, never held back. */
function isStream(res: ServerResponse): boolean {
  const type = String(res.getHeader('content-type') ?? '');
  return type.startsWith('text/event-stream') || type.startsWith('multipart/');
}

/**
 * `br` or `gzip` from an Accept-Encoding value, honouring `q=0` (refused) and preferring brotli
 * when both are acceptable. `*` accepts either.
 */
export function pickEncoding(header: string): Encoding | null {
  // undefined: not named; true/false: named, accepted or refused.
  let br: boolean | undefined;
  let gz: boolean | undefined;
  let any = false;
  for (const part of header.toLowerCase().split(',')) {
    const [name = '', ...params] = part.split(';').map((piece) => piece.trim());
    const q = params.find((param) => param.startsWith('q='));
    const accepted = q === undefined || Number(q.slice(2)) > 0;
    if (name === 'br') br = accepted;
    else if (name === 'gzip' || name === 'x-gzip') gz = accepted;
    else if (name === '*') any = accepted;
  }
  // `*` covers only the encodings not named: `br;q=0, *` still refuses brotli.
  if (br ?? any) return 'br';
  if (gz ?? any) return 'gzip';
  return null;
}
