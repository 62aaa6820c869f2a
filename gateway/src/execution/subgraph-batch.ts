import { StringDecoder } from 'node:string_decoder';
import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { SUBGRAPH_BATCH_ANSWER_TYPE, SUBGRAPH_BATCH_MAX, SUBGRAPH_BATCH_PATH, requestTracing, type SubgraphBatchAnswer, config, type Config } from '@tradegraph/shared';
import { isConnectionClosed, isMutationBody, textResponse, type StreamedResponse, type SubgraphHttpClient } from './fetcher';

/**
 * Subgraph fetches that arrive together leave together: one POST per subgraph carrying every
 * fetch made for it in the same turn of the event loop (the subgraph side is
 * `serveGraphQLBatch` in shared/src/graphql-http.ts).
 *
 * Why: a forwarded order is little more than HTTP work — the client's request read and answered,
 * and the subgraph's request written, read back and parsed, on the gateway and again in the
 * subgraph. Under load many callers' requests are read in the same turn; sending them as one
 * POST pays that upstream HTTP work once per batch on both sides, instead of once per order.
 *
 * When: fetches are gathered until the turn's I/O callbacks have run (`setImmediate`), so nothing
 * waits for a timer. A lone fetch goes out as an ordinary request, exactly as before; so does
 * anything that is not a plain JSON POST, or one that can be aborted. Batching therefore only
 * happens when there was more than one fetch for a subgraph at that moment — that is, under load.
 *
 * What each fetch gets back is the response it would have had alone: its own status, headers and
 * body, as soon as the subgraph has it — answers stream back one per line, so a slow request in a
 * batch holds back no other. Should the batch fail as a whole:
 * - a subgraph that does not know the batch path (404 or 405: nothing ran) is asked one request
 *   at a time from then on;
 * - any other answer to the batch is every fetch's answer (the executor reports it per request);
 * - a connection closed under the batch is retried only when the batch holds no mutation, as for
 *   single requests; one lost while answers were streaming fails the requests not yet answered.
 *
 * Traces (when tracing is on): a batch carries many callers' traces, so the batch's own POST is
 * not traced; each fetch in it gets its own client span under its caller's trace, whose context
 * travels in that request's own headers (the subgraph continues it, see serveGraphQLBatch). A
 * fetch sent alone is sent in its caller's context, as if it had never waited here.
 */
export class SubgraphBatcher {
  /** Batches sent, and the fetches that went in them (metrics). */
  readonly stats = { batches: 0, batchedFetches: 0 };
  private readonly queues = new Map<string, Pending[]>();
  private flushScheduled = false;
  /** Subgraph URLs that answered a batch with 404 or 405. */
  private readonly unsupported = new Set<string>();

  /**
   * @param maxBatch the most fetches in one batch (at most SUBGRAPH_BATCH_MAX); 1 turns batching off.
   */
  constructor(
    private readonly client: SubgraphHttpClient,
    private readonly maxBatch: number,
  ) {
    this.maxBatch = Math.max(1, Math.min(SUBGRAPH_BATCH_MAX, Math.floor(maxBatch) || 1));
  }

  readonly fetch: Fetcher = (url, init = {}) => {
    // Batch bodies embed each request's body as it is, so only JSON text from our own
    // JSON.stringify (the executor's data sources and the mutation forwarder) goes in one.
    if (this.maxBatch === 1 || init.method !== 'POST' || typeof init.body !== 'string' || init.signal || this.unsupported.has(url)) {
      return this.client.fetch(url, init);
    }
    return new Promise<FetcherResponse>((resolve, reject) => {
      let queue = this.queues.get(url);
      if (!queue) this.queues.set(url, (queue = []));
      // The caller's trace, kept for when the fetch leaves (only while tracing is on).
      const traced = requestTracing()?.capture();
      queue.push({ init, body: init.body as string, resolve, reject, traced });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  };

  private flush(): void {
    this.flushScheduled = false;
    const queues = [...this.queues];
    this.queues.clear();
    for (const [url, queue] of queues) {
      for (let start = 0; start < queue.length; start += this.maxBatch) {
        const batch = queue.slice(start, start + this.maxBatch);
        if (batch.length === 1) this.sendAlone(url, batch[0]);
        else void this.sendBatch(url, batch);
      }
    }
  }

  private sendAlone(url: string, pending: Pending): void {
    // Sent in its caller's trace when tracing is on (the flush runs in whichever caller's came first).
    const tracing = pending.traced === undefined ? null : requestTracing();
    if (tracing) return tracing.runIn(pending.traced, () => this.sendAlone(url, { ...pending, traced: undefined }));
    this.client.fetch(url, pending.init).then(pending.resolve, pending.reject);
  }

  private sendBatch(url: string, batch: Pending[]): Promise<void> {
    const tracing = requestTracing();
    if (!tracing) return this.sendBatchNow(url, batch);
    const headers = batch.map((pending) => {
      const own = plainHeaders(pending.init.headers);
      if (pending.traced === undefined) return own;
      const span = tracing.startBatchedFetch(pending.traced, url, own);
      const { resolve, reject } = pending;
      pending.resolve = (response) => (span.end(response.status), resolve(response));
      pending.reject = (error) => (span.end(error instanceof Error ? error : new Error(String(error))), reject(error));
      return own;
    });
    return tracing.untraced(() => this.sendBatchNow(url, batch, headers));
  }

  /** Sends `batch` as one POST, each request with its own headers (or `headers[i]`, made already). */
  private async sendBatchNow(url: string, batch: Pending[], headers?: Record<string, string>[]): Promise<void> {
    const body = `{"requests":[${batch.map((p, i) => `{"headers":${JSON.stringify(headers?.[i] ?? plainHeaders(p.init.headers))},"body":${p.body}}`).join(',')}]}`;
    const init: FetcherRequestInit = { method: 'POST', headers: { 'content-type': 'application/json' }, body };
    const target = batchUrlOf(url);
    let response: StreamedResponse;
    try {
      try {
        response = await this.client.open(target, init);
      } catch (error) {
        // As for a single request: sent once more only when nothing in it may not run twice.
        if (!isConnectionClosed(error) || batch.some((p) => isMutationBody(p.body))) throw error;
        response = await this.client.open(target, init);
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    if (response.status === 404 || response.status === 405) {
      await response.body.text().catch(() => '');
      this.unsupported.add(url);
      for (const pending of batch) this.sendAlone(url, pending);
      return;
    }
    this.stats.batches += 1;
    this.stats.batchedFetches += batch.length;
    if (response.status !== 200 || !String(response.headers['content-type']).startsWith(ANSWER_MEDIA_TYPE)) {
      // Not a batch answer: each request gets it as its own, for the executor to report.
      let text = '';
      try {
        text = await response.body.text();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      const status = response.status === 200 ? 502 : response.status;
      for (const pending of batch) pending.resolve(textResponse(url, status, response.headers, text));
      return;
    }
    const answered = new Array<boolean>(batch.length).fill(false);
    const settle = (line: string) => {
      const answer = answerOf(line);
      if (!answer || answer.index >= batch.length || answered[answer.index]) return;
      answered[answer.index] = true;
      batch[answer.index].resolve(textResponse(url, answer.status, answer.headers, answer.body));
    };
    // Answers arrive one per line, each as soon as the subgraph has it.
    const decoder = new StringDecoder('utf8');
    let rest = '';
    try {
      for await (const chunk of response.body) {
        rest += decoder.write(chunk);
        let end: number;
        while ((end = rest.indexOf('\n')) >= 0) {
          settle(rest.slice(0, end));
          rest = rest.slice(end + 1);
        }
      }
    } catch (error) {
      batch.forEach((pending, i) => answered[i] || pending.reject(error));
      return;
    }
    // The subgraph ended the batch without answering these (it never does on purpose).
    const missing = JSON.stringify({ errors: [{ message: 'The subgraph did not answer this request of a batch' }] });
    batch.forEach((pending, i) => answered[i] || pending.resolve(textResponse(url, 502, { 'content-type': 'application/json' }, missing)));
  }
}

/** The most fetches per batch (SUBGRAPH_BATCH_MAX, default 64; 1 sends every fetch alone). */
export function subgraphBatchMax(settings: Config = config()): number {
  return Math.min(settings.SUBGRAPH_BATCH_MAX, SUBGRAPH_BATCH_MAX);
}

interface Pending {
  init: FetcherRequestInit;
  body: string;
  resolve: (response: FetcherResponse) => void;
  reject: (error: unknown) => void;
  /** The caller's trace context, when tracing is on. */
  traced?: unknown;
}

const ANSWER_MEDIA_TYPE = SUBGRAPH_BATCH_ANSWER_TYPE.split(';')[0];

const batchUrls = new Map<string, string>();
/** The batch endpoint beside a subgraph's GraphQL URL. */
function batchUrlOf(url: string): string {
  let batchUrl = batchUrls.get(url);
  if (batchUrl === undefined) batchUrls.set(url, (batchUrl = new URL(SUBGRAPH_BATCH_PATH, url).toString()));
  return batchUrl;
}

/** A request's headers as a plain object with lower-case names (a Headers object, pairs or a record). */
function plainHeaders(headers: FetcherRequestInit['headers'] | Iterable<[string, string]>): Record<string, string> {
  const plain: Record<string, string> = {};
  if (!headers) return plain;
  // The executor's data sources pass a Headers object, typed as a record.
  const entries = Symbol.iterator in headers ? (headers as Iterable<[string, string]>) : Object.entries(headers);
  for (const [name, value] of entries) if (typeof value === 'string') plain[name.toLowerCase()] = value;
  return plain;
}

/** One line of a batch answer, when it is one. */
function answerOf(line: string): SubgraphBatchAnswer | undefined {
  try {
    const answer = JSON.parse(line) as Partial<SubgraphBatchAnswer>;
    const wellFormed =
      Number.isInteger(answer.index) &&
      (answer.index as number) >= 0 &&
      typeof answer.status === 'number' &&
      typeof answer.body === 'string' &&
      typeof answer.headers === 'object' &&
      answer.headers !== null;
    return wellFormed ? (answer as SubgraphBatchAnswer) : undefined;
  } catch {
    return undefined;
  }
}
