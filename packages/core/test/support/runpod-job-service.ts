import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for RunPod's worker-side job service (protocol reference §2 and §6), for tests of
 * the RunPod worker loop. It serves, under `/v2/<endpoint>/`:
 *   GET  job-take/<worker>        one job as a JSON object, or 204 after a long-poll hold
 *   GET  job-take-batch/<worker>  up to `batch_size` jobs as a JSON array, or 204
 *   GET  job-stop/<worker>        200 {"jobsToStop": [...]} or 204 after a long-poll hold
 *   POST job-done/<worker>/<job>  records the result; 200
 *   POST job-stream/<worker>/<job> records a chunk; 200
 *   GET  ping/<worker>            records the heartbeat; 200
 *   GET  next-job/<worker>        same as job-take: a take template without a `/job-take/`
 *                                 segment, for workers that then have no batch or stop channel
 * Every request is recorded (method, path, query, headers, body). Replies can be scripted:
 * the next job takes (204, 400, 429, 5xx, a raw body, a hold of N ms), the next job-done
 * statuses. With `apiKey` set, a request whose raw Authorization header differs gets 401.
 */

/** What the service knows about a request once it has been read. */
export interface RecordedRequest {
  /** Order of arrival, from 1. */
  seq: number;
  method: string;
  /** Path without the query, e.g. `/v2/ep/job-take/worker-1`. */
  path: string;
  /** The raw query string without `?`, e.g. `gpu=TEST&job_in_progress=0`. */
  rawQuery: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status the service answered with (set once it has answered). */
  status?: number;
  /** Which route matched. */
  kind: 'take' | 'take-batch' | 'stop' | 'done' | 'stream' | 'ping' | 'unknown';
  endpoint?: string;
  worker?: string;
  jobId?: string;
}

/** A job as the stand-in hands it out. */
export interface StandInJob {
  id: string;
  input: unknown;
  [field: string]: unknown;
}

/**
 * A scripted reply to the next job take (consumed in order before the job queue is used).
 * `holdMs` holds the request that long first; without `status` the queue then answers as usual.
 */
export interface ScriptedReply {
  status?: number;
  body?: string;
  holdMs?: number;
}

export interface RunpodJobServiceOptions {
  /** How long an empty job take or job stop is held before 204 (a short long poll). Default 100 ms. */
  longPollMs?: number;
  /** When set, requests must carry exactly this raw Authorization value, else 401. */
  apiKey?: string;
}

interface Waiter {
  predicate: (r: RecordedRequest) => boolean;
  resolve: (r: RecordedRequest) => void;
  timer: NodeJS.Timeout;
}

interface Held {
  timer: NodeJS.Timeout;
  /** A new job (held take) or a new stop (held job-stop) answers it before the hold ends, like a real long poll; undefined waits the full hold. */
  wakeOn: 'job' | 'stop' | undefined;
  /** Answers the held request now (a job or a stop arrived, or the service closes). */
  release: () => void;
}

const ROUTE = /^\/v2\/([^/]+)\/(job-take|next-job|job-take-batch|job-stop|job-done|job-stream|ping)\/([^/]+)(?:\/([^/]+))?$/;

export class RunpodJobService {
  /** Every request in order of arrival. */
  readonly requests: RecordedRequest[] = [];
  private readonly jobs: StandInJob[] = [];
  private readonly takeScript: ScriptedReply[] = [];
  private readonly doneScript: number[] = [];
  private pendingStops: string[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly held = new Set<Held>();
  private seq = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: RunpodJobServiceOptions,
  ) {}

  /** Starts the service on 127.0.0.1 and a free port. */
  static async start(options: RunpodJobServiceOptions = {}): Promise<RunpodJobService> {
    let service: RunpodJobService | undefined;
    const server = createServer((req, res) => {
      void service!.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    service = new RunpodJobService(server, `http://127.0.0.1:${port}`, options);
    return service;
  }

  /**
   * The environment a worker gets on RunPod, pointed at this service: templates like
   * `http://127.0.0.1:PORT/v2/ep/job-take/$ID?gpu=TEST` (protocol reference §6).
   */
  env(overrides: NodeJS.ProcessEnv = {}, endpoint = 'ep'): NodeJS.ProcessEnv {
    const base = `${this.url}/v2/${endpoint}`;
    return {
      RUNPOD_WEBHOOK_GET_JOB: `${base}/job-take/$ID?gpu=TEST`,
      RUNPOD_WEBHOOK_POST_OUTPUT: `${base}/job-done/$RUNPOD_POD_ID/$ID?gpu=TEST`,
      RUNPOD_WEBHOOK_POST_STREAM: `${base}/job-stream/$RUNPOD_POD_ID/$ID?gpu=TEST`,
      RUNPOD_WEBHOOK_PING: `${base}/ping/$RUNPOD_POD_ID?gpu=TEST`,
      RUNPOD_POD_ID: 'worker-1',
      RUNPOD_AI_API_KEY: 'ai-key',
      ...overrides,
    };
  }

  /** Queues jobs for the next takes; a held take is answered at once. */
  pushJob(...jobs: StandInJob[]): void {
    this.jobs.push(...jobs);
    this.releaseHeld('job');
  }

  /** Scripts the replies to the next job takes (single or batch), in order. */
  scriptTake(...replies: ScriptedReply[]): void {
    this.takeScript.push(...replies);
  }

  /** Scripts the HTTP statuses of the next job-done POSTs, in order (then 200 again). */
  scriptDone(...statuses: number[]): void {
    this.doneScript.push(...statuses);
  }

  /** Asks the worker to stop these jobs through the job-stop channel. */
  stopJobs(...ids: string[]): void {
    this.pendingStops.push(...ids);
    this.releaseHeld('stop');
  }

  /** Recorded requests of one kind. */
  ofKind(kind: RecordedRequest['kind']): RecordedRequest[] {
    return this.requests.filter((r) => r.kind === kind);
  }

  /** Resolves with the first recorded request (past or future) that matches; rejects after `timeoutMs`. */
  waitFor(predicate: (r: RecordedRequest) => boolean, timeoutMs = 5_000, what = 'a matching request'): Promise<RecordedRequest> {
    const found = this.requests.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise<RecordedRequest>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (r) => {
          clearTimeout(waiter.timer);
          this.waiters.delete(waiter);
          resolve(r);
        },
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          const seen = this.requests.map((r) => `${r.method} ${r.path}?${r.rawQuery} -> ${r.status ?? 'pending'}`).join('\n  ');
          reject(new Error(`RunpodJobService: no ${what} within ${timeoutMs} ms; requests so far:\n  ${seen}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Waits for the n-th request of a kind (1-based). */
  waitForCount(kind: RecordedRequest['kind'], n: number, timeoutMs = 5_000): Promise<RecordedRequest> {
    return this.waitFor(() => this.ofKind(kind).length >= n, timeoutMs, `${n} ${kind} request(s)`).then(() => this.ofKind(kind)[n - 1]!);
  }

  /** Waits for a successful job-done POST of a job and returns its parsed body. */
  async waitForResult(jobId: string, timeoutMs = 5_000): Promise<{ request: RecordedRequest; body: Record<string, unknown> }> {
    const request = await this.waitFor((r) => r.kind === 'done' && r.jobId === jobId && r.status === 200, timeoutMs, `job-done for ${jobId}`);
    return { request, body: JSON.parse(request.body) as Record<string, unknown> };
  }

  /** Answers every held request, closes connections and stops the server. */
  async close(): Promise<void> {
    for (const h of [...this.held]) h.release();
    // Pending waiters never settle once the service is gone; their timers must not keep jest alive.
    for (const w of this.waiters) clearTimeout(w.timer);
    this.waiters.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- request handling ------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const full = new URL(req.url ?? '/', this.url);
    const match = ROUTE.exec(full.pathname);
    const kinds: Record<string, RecordedRequest['kind']> = {
      'job-take': 'take',
      'next-job': 'take',
      'job-take-batch': 'take-batch',
      'job-stop': 'stop',
      'job-done': 'done',
      'job-stream': 'stream',
      ping: 'ping',
    };
    const record: RecordedRequest = {
      seq: ++this.seq,
      method: req.method ?? '',
      path: full.pathname,
      rawQuery: full.search.replace(/^\?/, ''),
      query: Object.fromEntries(full.searchParams),
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      kind: match ? kinds[match[2]!]! : 'unknown',
      endpoint: match?.[1],
      worker: match ? decodeURIComponent(match[3]!) : undefined,
      jobId: match?.[4] !== undefined ? decodeURIComponent(match[4]) : undefined,
    };
    this.requests.push(record);
    this.notify(record);

    if (this.options.apiKey !== undefined && req.headers.authorization !== this.options.apiKey) {
      this.reply(record, res, 401, JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    const expected: Record<string, string> = { take: 'GET', 'take-batch': 'GET', stop: 'GET', ping: 'GET', done: 'POST', stream: 'POST' };
    if (record.kind === 'unknown' || expected[record.kind] !== record.method) {
      this.reply(record, res, 404, JSON.stringify({ error: `no route ${record.method} ${record.path}` }));
      return;
    }
    switch (record.kind) {
      case 'take':
      case 'take-batch':
        this.answerTake(record, res);
        return;
      case 'stop':
        this.answerStop(record, res, this.options.longPollMs ?? 100);
        return;
      case 'done':
        this.reply(record, res, this.doneScript.shift() ?? 200, '');
        return;
      default:
        this.reply(record, res, 200, '');
    }
  }

  private answerTake(record: RecordedRequest, res: ServerResponse): void {
    const scripted = this.takeScript.shift();
    if (scripted?.holdMs !== undefined) {
      const then: ScriptedReply = { status: scripted.status, body: scripted.body };
      this.hold(res, scripted.holdMs, undefined, () => (then.status !== undefined ? this.replyScripted(record, res, then) : this.answerFromQueue(record, res, 0)));
      return;
    }
    if (scripted !== undefined) {
      this.replyScripted(record, res, scripted);
      return;
    }
    this.answerFromQueue(record, res, this.options.longPollMs ?? 100);
  }

  private replyScripted(record: RecordedRequest, res: ServerResponse, reply: ScriptedReply): void {
    this.reply(record, res, reply.status ?? 200, reply.body ?? '');
  }

  /** Hands out queued jobs, or holds the request up to `holdMs` for one to arrive, then 204. */
  private answerFromQueue(record: RecordedRequest, res: ServerResponse, holdMs: number): void {
    if (this.jobs.length > 0) {
      if (record.kind === 'take-batch') {
        const size = Math.max(1, Number(record.query.batch_size ?? '1'));
        this.reply(record, res, 200, JSON.stringify(this.jobs.splice(0, size)));
      } else {
        this.reply(record, res, 200, JSON.stringify(this.jobs.shift()));
      }
      return;
    }
    if (holdMs <= 0) {
      this.reply(record, res, 204, '');
      return;
    }
    this.hold(res, holdMs, 'job', () => this.answerFromQueue(record, res, 0));
  }

  private answerStop(record: RecordedRequest, res: ServerResponse, holdMs: number): void {
    if (this.pendingStops.length > 0) {
      const ids = this.pendingStops;
      this.pendingStops = [];
      this.reply(record, res, 200, JSON.stringify({ jobsToStop: ids }));
      return;
    }
    if (holdMs <= 0) {
      this.reply(record, res, 204, '');
      return;
    }
    this.hold(res, holdMs, 'stop', () => this.answerStop(record, res, 0));
  }

  /** Holds a request up to `ms`; `wakeOn` lets a new job or stop answer it sooner. */
  private hold(res: ServerResponse, ms: number, wakeOn: Held['wakeOn'], answer: () => void): void {
    let done = false;
    const held: Held = {
      wakeOn,
      timer: setTimeout(() => held.release(), ms),
      release: () => {
        if (done) return;
        done = true;
        clearTimeout(held.timer);
        this.held.delete(held);
        if (!res.writableEnded && !res.destroyed) answer();
      },
    };
    this.held.add(held);
    // The worker may cancel a held long poll (close()); forget it then.
    res.on('close', () => {
      if (done) return;
      done = true;
      clearTimeout(held.timer);
      this.held.delete(held);
    });
  }

  private releaseHeld(kind: 'job' | 'stop'): void {
    for (const h of [...this.held]) if (h.wakeOn === kind) h.release();
  }

  private reply(record: RecordedRequest, res: ServerResponse, status: number, body: string): void {
    record.status = status;
    if (!res.writableEnded && !res.destroyed) {
      if (body === '' || status === 204) res.writeHead(status).end();
      else res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
    }
    this.notify(record);
  }

  private notify(record: RecordedRequest): void {
    for (const w of [...this.waiters]) if (w.predicate(record)) w.resolve(record);
  }
}
