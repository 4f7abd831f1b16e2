import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SwitchyardDefaults } from '../config';
import { HttpRefusal, parseJsonBody, parseWait, readBody, sendJson, sendRefusal, type BearerAuth } from '../http';
import type { Logger } from '../observability/logger';
import type { SwitchyardMetrics } from '../observability/metrics';
import type { JobDispatcher } from './dispatcher-types';
import { parseJobPolicy } from './job-policy';
import { LocalJobQueue, isTerminal, type JobView } from './local-job-queue';
import { answerMetrics } from './metrics-route';

/** Options of {@link RunpodApi}. */
export interface RunpodApiOptions {
  dispatcher: JobDispatcher;
  /** Where refused requests are counted and the queues' gauges are read; served at GET /metrics. */
  metrics: SwitchyardMetrics;
  /** Endpoint ids served under `/v2/{endpointId}` (the hosted endpoint names). */
  endpoints: readonly string[];
  auth: BearerAuth;
  /** Jobs running at once per endpoint. */
  concurrency: number;
  /** Body limit of `/runsync`, bytes; `/run` uses the smaller of this and RunPod's /run limit + 64 KiB. Default RunPod's /runsync limit + 64 KiB. */
  maxBodyBytes?: number;
  /** How long results are kept after a job ends, ms. Default RunPod's: 30 min for `/run` jobs, 1 min for `/runsync` jobs. */
  resultTtlMs?: number;
  defaults: SwitchyardDefaults;
  logger: Logger;
}

/** Room for the `{"input": ...}` envelope around a payload that is exactly at the limit. */
const ENVELOPE_SLACK = 64 * 1024;
/** RunPod's runsync wait when the request gives none (protocol reference §1.4). */
const DEFAULT_WAIT_MS = 90_000;
/** How long RunPod holds a `/stream` poll that finds nothing buffered, when it gives no `wait` (protocol reference §1.4). */
const DEFAULT_STREAM_WAIT_MS = 10_000;
const BODY_EXAMPLE = '{"input": {"sy": 1, "endpoint": "...", "method": "...", "args": {"json": []}, "callId": "...", "deadline": 0}}';
const ROUTES_HELP =
  'Routes: POST /v2/{endpointId}/run, POST /v2/{endpointId}/runsync?wait=ms, GET|POST /v2/{endpointId}/status/{jobId}, GET|POST /v2/{endpointId}/status-sync/{jobId}?wait=ms, GET|POST /v2/{endpointId}/stream/{jobId}?wait=ms, POST /v2/{endpointId}/cancel/{jobId}, POST /v2/{endpointId}/purge-queue, GET /v2/{endpointId}/health, GET /metrics.';

type Operation = 'run' | 'runsync' | 'status' | 'status-sync' | 'stream' | 'cancel' | 'purge-queue' | 'health';

/** Allowed methods of each operation and whether it takes a job id. */
const OPERATIONS: ReadonlyMap<string, { op: Operation; methods: readonly string[]; jobId: boolean }> = new Map([
  ['run', { op: 'run', methods: ['POST'], jobId: false }],
  ['runsync', { op: 'runsync', methods: ['POST'], jobId: false }],
  ['status', { op: 'status', methods: ['GET', 'POST'], jobId: true }],
  ['status-sync', { op: 'status-sync', methods: ['GET', 'POST'], jobId: true }],
  ['stream', { op: 'stream', methods: ['GET', 'POST'], jobId: true }],
  ['cancel', { op: 'cancel', methods: ['POST'], jobId: true }],
  ['purge-queue', { op: 'purge-queue', methods: ['POST'], jobId: false }],
  ['health', { op: 'health', methods: ['GET'], jobId: false }],
]);

/** Quotes request-supplied text for an error message, cut short so replies stay small. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** A percent-decoded path segment; malformed escapes are a 400. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpRefusal(400, `The URL path segment ${quote(segment)} has a malformed %-escape. Encode it with encodeURIComponent.`);
  }
}

/**
 * RunPod's serverless client API, served locally: `/v2/{endpointId}/run`, `runsync`, `status`,
 * `status-sync`, `stream`, `cancel`, `purge-queue` and `health`, with RunPod's reply shapes, so RunPod's
 * own clients and Switchyard's RunpodExecutor can call a local worker. One job queue per endpoint.
 */
export class RunpodApi {
  private readonly queues = new Map<string, LocalJobQueue>();
  private readonly runsyncLimit: number;
  private readonly runLimit: number;
  private accepting = true;

  constructor(private readonly options: RunpodApiOptions) {
    const d = options.defaults;
    for (const endpoint of options.endpoints) {
      this.queues.set(
        endpoint,
        new LocalJobQueue({ endpoint, dispatcher: options.dispatcher, concurrency: options.concurrency, maxRetainedJobs: d.maxRetainedJobs, logger: options.logger }),
      );
    }
    options.metrics.watchQueues(() => [...this.queues].map(([endpoint, queue]) => ({ endpoint, queued: queue.queued, running: queue.running })));
    this.runsyncLimit = options.maxBodyBytes ?? d.runsyncPayloadLimit + ENVELOPE_SLACK;
    this.runLimit = Math.min(this.runsyncLimit, d.runPayloadLimit + ENVELOPE_SLACK);
  }

  /** Answers one request. Never throws: every problem is a JSON `{"error": ...}` reply. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (error) {
      if (error instanceof HttpRefusal) {
        this.options.metrics.requestRejected(error.status);
        sendRefusal(res, error);
      } else {
        this.options.metrics.requestRejected(500);
        this.options.logger.error('local RunPod API request failed', { url: req.url?.slice(0, 200), error: error as Error });
        sendJson(res, 500, { error: 'The worker failed to handle the request; see its log. Retry the request.' });
      }
    }
  }

  /** Stops accepting jobs, cancels queued ones and waits for running ones. */
  async drain(): Promise<void> {
    this.accepting = false;
    await Promise.all([...this.queues.values()].map((q) => q.drain()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.options.auth.check(req);
    // Split by hand: a URL object per request costs more than the rest of the routing.
    const raw = req.url ?? '/';
    const queryAt = raw.indexOf('?');
    const url = { pathname: queryAt < 0 ? raw : raw.slice(0, queryAt), searchParams: new URLSearchParams(queryAt < 0 ? '' : raw.slice(queryAt + 1)) };
    if (await answerMetrics(req, res, url.pathname, this.options.metrics)) return;
    const parts = url.pathname.split('/');
    // ['', 'v2', endpointId, op, jobId?]
    if (parts.length < 4 || parts.length > 5 || parts[0] !== '' || parts[1] !== 'v2' || !parts[2] || !parts[3]) {
      throw new HttpRefusal(404, `No route ${req.method} ${quote(url.pathname)}. ${ROUTES_HELP}`);
    }
    const endpoint = decodePathSegment(parts[2]);
    const operation = OPERATIONS.get(parts[3]);
    const jobId = parts.length === 5 ? decodePathSegment(parts[4]) : undefined;
    if (!operation || operation.jobId !== (jobId !== undefined && jobId.length > 0)) {
      throw new HttpRefusal(404, `No route ${req.method} ${quote(url.pathname)}. ${ROUTES_HELP}`);
    }
    const queue = this.queues.get(endpoint);
    if (!queue) {
      throw new HttpRefusal(
        404,
        `Endpoint ${quote(endpoint)} is not served by this worker (it serves: ${[...this.queues.keys()].join(', ') || 'none'}). Use /v2/<endpoint name>/...`,
      );
    }
    if (!operation.methods.includes(req.method ?? '')) {
      throw new HttpRefusal(405, `${req.method} is not allowed on /v2/${endpoint}/${parts[3]}; use ${operation.methods.join(' or ')}.`, {
        allow: operation.methods.join(', '),
      });
    }
    switch (operation.op) {
      case 'run':
      case 'runsync':
        return this.submit(req, res, queue, operation.op, url);
      case 'status':
        return this.reply(res, endpoint, jobId!, queue.view(jobId!));
      case 'status-sync': {
        const wait = parseWait(url.searchParams.get('wait'), DEFAULT_WAIT_MS);
        return this.reply(res, endpoint, jobId!, await queue.waitFor(jobId!, wait));
      }
      case 'stream': {
        const wait = parseWait(url.searchParams.get('wait'), DEFAULT_STREAM_WAIT_MS);
        // A reader that hangs up while it waits takes no chunks with it.
        const gone = new AbortController();
        res.once('close', () => gone.abort());
        const view = await queue.readStream(jobId!, wait, gone.signal);
        if (!view) return this.reply(res, endpoint, jobId!, undefined);
        sendJson(res, 200, view);
        return;
      }
      case 'cancel': {
        const view = queue.cancel(jobId!);
        if (!view) return this.reply(res, endpoint, jobId!, undefined);
        sendJson(res, 200, { id: view.id, status: view.status });
        return;
      }
      case 'purge-queue':
        sendJson(res, 200, { removed: queue.purgeQueue(), status: 'completed' });
        return;
      case 'health':
        sendJson(res, 200, queue.health());
        return;
    }
  }

  private async submit(req: IncomingMessage, res: ServerResponse, queue: LocalJobQueue, op: 'run' | 'runsync', url: { searchParams: URLSearchParams }): Promise<void> {
    const wait = op === 'runsync' ? parseWait(url.searchParams.get('wait'), DEFAULT_WAIT_MS) : 0;
    const body = parseJsonBody(await readBody(req, op === 'run' ? this.runLimit : this.runsyncLimit, `/${op}`), BODY_EXAMPLE);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpRefusal(400, `The request body must be a JSON object, got ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}. Send ${BODY_EXAMPLE}.`);
    }
    const input = (body as { input?: unknown }).input;
    if (input === undefined || input === null) {
      throw new HttpRefusal(400, `The request body has no "input" field. Send ${BODY_EXAMPLE}.`);
    }
    const policy = parseJobPolicy((body as { policy?: unknown }).policy);
    if (!this.accepting) {
      throw new HttpRefusal(503, 'This worker is shutting down and accepts no new jobs. Send the job to another worker.', { connection: 'close' });
    }
    const retainMs = this.options.resultTtlMs ?? (op === 'run' ? this.options.defaults.runResultTtlMs : this.options.defaults.runsyncResultTtlMs);
    const accepted = queue.submit(input, { idPrefix: op === 'runsync' ? 'sync-' : '', retainMs, policy });
    if (op === 'run') {
      sendJson(res, 200, accepted);
      return;
    }
    // A caller that hangs up before the answer no longer wants the job: cancel it (its method's
    // signal fires). After a reply that carries only the id, the caller polls, so it stays.
    const onClose = (): void => {
      const current = res.writableFinished ? undefined : queue.view(accepted.id);
      if (current === undefined || isTerminal(current.status)) return;
      queue.cancel(accepted.id);
      this.options.logger.info(`the /runsync caller disconnected before job ${accepted.id} finished, so the job was cancelled`, { jobId: accepted.id });
    };
    res.once('close', onClose);
    const view = await queue.waitFor(accepted.id, wait);
    if (!view) {
      // Expired while we waited (only with a retention shorter than the wait).
      sendJson(res, 200, accepted);
      return;
    }
    sendJson(res, 200, isTerminal(view.status) ? view : { id: view.id, status: view.status });
  }

  private reply(res: ServerResponse, endpoint: string, jobId: string, view: JobView | undefined): void {
    if (!view) {
      throw new HttpRefusal(
        404,
        `Job ${quote(jobId)} was not found on endpoint ${quote(endpoint)}: it was never submitted here, or its result expired (results are kept for a limited time after a job ends). Submit the job again.`,
      );
    }
    sendJson(res, 200, view);
  }
}
