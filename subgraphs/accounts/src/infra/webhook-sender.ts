import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { checkResolvedAddresses, isIpLiteral, isPublicAddress, type TargetRules } from '../domain/webhooks/targets';
import type { AttemptResult } from '../domain/webhooks/retries';

/**
 * Sends webhook requests: keep-alive connections, a timeout to connect and another for the
 * response, at most `maxResponseBytes` of a response read, redirects never followed (a 3xx is
 * simply the answer), and the SSRF rules of domain/webhooks/targets.ts applied to the address
 * every new connection actually uses: the DNS lookup that opens the socket is ours, it checks
 * every address the name resolves to and hands the connection only checked ones, so a name that
 * resolves differently later (DNS rebinding) cannot slip a private address in between a check
 * and the connection.
 */

export interface SenderSettings {
  timeoutMs: number;
  maxResponseBytes: number;
  rules: TargetRules;
  /** Sockets per origin (the worker's own concurrency bounds the total). */
  maxSockets: number;
}

export interface SendOutcome {
  result: AttemptResult;
  startedAt: Date;
  latencyMs: number;
  excerpt: string | null;
}

class RefusedTarget extends Error {
  readonly code = 'REFUSED_TARGET';
}

class Timeout extends Error {
  readonly code = 'WEBHOOK_TIMEOUT';
}

/** Resolves a host's addresses (every one, both families). */
export async function resolveHost(host: string): Promise<string[]> {
  const found = await dns.promises.lookup(host, { all: true, verbatim: true });
  return found.map((entry) => entry.address);
}

/** A `lookup` for sockets that refuses names resolving to any address the rules forbid. */
function checkedLookup(rules: TargetRules): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, verbatim: true, family: options.family }, (error, addresses) => {
      if (error) return (callback as (e: Error) => void)(error);
      try {
        checkResolvedAddresses(hostname, addresses.map((a) => a.address), rules);
      } catch (refusal) {
        return (callback as (e: Error) => void)(new RefusedTarget((refusal as Error).message));
      }
      if ((options as { all?: boolean }).all) return (callback as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'ETIMEDOUT']);

function classify(error: unknown): AttemptResult {
  const err = error as NodeJS.ErrnoException;
  const message = String(err?.message ?? error).slice(0, 300);
  if (err instanceof RefusedTarget) return { error: 'refused target', message };
  if (err instanceof Timeout) return { error: 'timeout', message };
  if (err?.code && (CONNECTION_ERRORS.has(err.code) || err.code.startsWith('ERR_TLS') || err.code.includes('CERT'))) {
    return { error: 'connection', message: `${err.code}: ${message}` };
  }
  if (/socket hang up/i.test(message)) return { error: 'connection', message };
  return { error: 'other', message };
}

export class WebhookSender {
  private readonly lookup: LookupFunction;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(private readonly settings: SenderSettings) {
    this.lookup = checkedLookup(settings.rules);
    const agentOptions = { keepAlive: true, maxSockets: settings.maxSockets, scheduling: 'lifo' as const, lookup: this.lookup };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
  }

  /** POSTs `body` to `url` with `headers`; never throws. */
  async send(url: string, headers: Record<string, string>, body: string): Promise<SendOutcome> {
    const startedAt = new Date();
    const began = performance.now();
    let outcome: { result: AttemptResult; excerpt: string | null };
    try {
      outcome = await this.attempt(new URL(url), headers, body, true);
    } catch (error) {
      outcome = { result: classify(error), excerpt: null };
    }
    return { ...outcome, startedAt, latencyMs: Math.round(performance.now() - began) };
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private attempt(url: URL, headers: Record<string, string>, body: string, mayRetryStale: boolean): Promise<{ result: AttemptResult; excerpt: string | null }> {
    const { timeoutMs, maxResponseBytes, rules } = this.settings;
    // An IP literal is connected to without a lookup, so it is checked here.
    if (!rules.allowPrivate && isIpLiteral(url.hostname) && !isPublicAddress(url.hostname)) {
      return Promise.reject(new RefusedTarget(`${url.hostname} is not a public address`));
    }
    if (rules.httpsOnly && url.protocol !== 'https:') return Promise.reject(new RefusedTarget('only https URLs are allowed'));
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (error: unknown, value?: { result: AttemptResult; excerpt: string | null }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(value!);
      };
      const arm = (phase: string) => {
        clearTimeout(timer);
        timer = setTimeout(() => request.destroy(new Timeout(`no ${phase} within ${timeoutMs} ms`)), timeoutMs);
      };
      const request = (secure ? https : http).request(url, {
        method: 'POST',
        agent: secure ? this.httpsAgent : this.httpAgent,
        lookup: this.lookup,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      });
      arm('connection');
      request.on('socket', (socket: Socket) => {
        if (!socket.connecting) return arm('response');
        socket.once(secure ? 'secureConnect' : 'connect', () => arm('response'));
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the receiver closed just as we reused it: the request never
        // reached it (Node's documented pattern), so it is sent again at once on a new socket.
        if (mayRetryStale && request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
          settled = true;
          clearTimeout(timer);
          this.attempt(url, headers, body, false).then(resolve, reject);
          return;
        }
        finish(error);
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let read = 0;
        const done = () => {
          const excerpt = Buffer.concat(chunks).subarray(0, maxResponseBytes).toString('utf8').replace(/\u0000/g, '');
          const retryAfter = response.headers['retry-after'];
          finish(null, { result: { statusCode: response.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null }, excerpt: excerpt || null });
        };
        response.on('data', (chunk: Buffer) => {
          if (read < maxResponseBytes) chunks.push(chunk);
          read += chunk.length;
          // Enough read: the rest is not wanted, and this connection is not reused.
          if (read > maxResponseBytes) {
            done();
            response.destroy();
          }
        });
        response.on('end', done);
        response.on('error', (error) => (settled ? undefined : finish(error)));
      });
      request.end(body);
    });
  }
}
