import http from 'node:http';
import type { Request, Response } from 'express';
import { REQUEST_ID_HEADER, internalHeaders, requestIdFrom, subgraphUrl } from '@tradegraph/shared';

/**
 * `/export/*` on the public endpoint goes to the markets subgraph's CSV export (history for
 * backtests), streamed through without buffering. Only GET, only the path and query pass.
 */
export function exportProxy() {
  const target = new URL(subgraphUrl('markets'));
  return (req: Request, res: Response) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).json({ code: 'METHOD_NOT_ALLOWED', message: 'export endpoints are GET only' });
      return;
    }
    const upstream = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.originalUrl,
        headers: { [REQUEST_ID_HEADER]: requestIdFrom(req.headers[REQUEST_ID_HEADER]), ...internalHeaders() },
      },
      (answer) => {
        res.status(answer.statusCode ?? 502);
        for (const name of ['content-type', 'content-disposition', 'x-row-limit']) {
          const value = answer.headers[name];
          if (value !== undefined) res.setHeader(name, value);
        }
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.status(502).json({ code: 'UPSTREAM_UNAVAILABLE', message: 'markets is not reachable' });
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    upstream.end();
  };
}
