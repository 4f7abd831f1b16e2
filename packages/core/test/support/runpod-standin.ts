/**
 * A stand-in for RunPod's queue-endpoint job API (protocol reference §1), for tests: a real
 * `node:http` server on 127.0.0.1 with a random port. It serves, per endpoint id:
 *
 * | route | answer |
 * |---|---|
 * | `POST /v2/:id/run` | `{id, status: 'IN_QUEUE'}`; the job starts at once |
 * | `POST /v2/:id/runsync?wait=ms` | waits up to `wait` (1000..300000, default 90000; capped by `runsyncWaitCapMs`) for the job, then the terminal job `{id, status, output \| error, delayTime, executionTime}` or `{id, status: 'IN_QUEUE' \| 'IN_PROGRESS'}` |
 * | `GET\|POST /v2/:id/status/:job` | the job as above; counts a poll |
 * | `POST /v2/:id/cancel/:job` | `{id, status: 'CANCELLED'}` (or the status it already ended in) |
 * | `GET /v2/:id/health` | `{jobs: {...}, workers: {...}}` |
 *
 * 401 without `Authorization: Bearer <apiKey>` (the raw key is accepted too, as RunPod's docs
 * show both), 404 for unknown endpoints and jobs, 400 for a body without `input`, 413 over the
 * size limits (10 MB /run, 20 MB /runsync by default).
 *
 * Jobs are run by the endpoint's {@link JobHandler}; {@link EndpointScript} adds scripted
 * behaviour (429 with Retry-After, 503 after accepting, hangs, dropped connections, ending as
 * FAILED/CANCELLED/TIMED_OUT after k polls). Every request is recorded so tests can count what
 * the server saw.
 *
 * @example
 * ```ts
 * const runpod = await startRunpodStandin({ apiKey: 'test-key' });
 * runpod.endpoint('echo', { handler: (input) => input });
 * // … call runpod.address('echo') …
 * expect(runpod.count({ op: 'runsync', endpointId: 'echo' })).toBe(1);
 * await runpod.close();
 * ```
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A RunPod job status. */
export type StandinJobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

/** The operations the stand-in knows; `other` is any path it does not serve. */
export type StandinOp = 'run' | 'runsync' | 'status' | 'cancel' | 'health' | 'other';

/** What a handler gets besides the job's `input`. */
export interface JobControl {
  /** The job id. */
  readonly id: string;
  /** The endpoint id the job was submitted to. */
  readonly endpointId: string;
  /** Aborts when the job is cancelled (via /cancel, a script, or the stand-in closing). */
  readonly signal: AbortSignal;
  /** How many /status polls this job has seen so far. */
  polls(): number;
}

/**
 * Runs one job: returns its `output` (COMPLETED) or throws (FAILED). A thrown {@link JobFailure}
 * sets the exact `error` string; any other error becomes `JSON.stringify({name, message, stack})`.
 */
export type JobHandler = (input: unknown, job: JobControl) => unknown;

/** Throw from a handler to end the job FAILED with exactly this `error` string. */
export class JobFailure extends Error {
  override name = 'JobFailure';
  constructor(readonly error: string) {
    super(error);
  }
}

/**
 * How the stand-in answers the next submission (/run or /runsync); scripts are consumed in
 * order, one per submission, then submissions behave normally.
 * - `respond`: answer `status` (with `Retry-After` and `body` if given) instead of the job.
 * - `hang`: never answer (the client must give up).
 * - `drop`: destroy the connection without an answer.
 * With `accept: true` the job is created and runs anyway (RunPod accepted it, the client did
 * not learn its id): the ambiguous case.
 */
export type SubmitAction =
  | { kind: 'respond'; status: number; retryAfter?: string; body?: unknown; accept?: boolean }
  | { kind: 'hang'; accept?: boolean }
  | { kind: 'drop'; accept?: boolean };

/** How the stand-in answers the next /status (or /cancel) request, consumed in order; a poll is still counted. */
export type StatusAction =
  | { kind: 'respond'; status: number; retryAfter?: string; body?: unknown }
  | { kind: 'hang' }
  | { kind: 'drop' };

/** Behaviour of one endpoint. */
export interface EndpointScript {
  /** Runs each job. Default: echoes the input back as the output. */
  handler?: JobHandler;
  /** Scripted answers to the next submissions. */
  submit?: SubmitAction[];
  /** Scripted answers to the next /status polls. */
  status?: StatusAction[];
  /** Scripted answers to the next /cancel requests (the job is then not cancelled). */
  cancel?: StatusAction[];
  /**
   * End every unfinished job in `status` once it has seen `polls` /status polls (its handler's
   * signal aborts). Models RunPod ending a job as TIMED_OUT, CANCELLED etc.
   */
  endAfterPolls?: { polls: number; status: Exclude<StandinJobStatus, 'IN_QUEUE' | 'IN_PROGRESS'>; output?: unknown; error?: string };
  /** Longest a /runsync waits for the job, ms, whatever `?wait` says. Default: no cap (test knob). */
  runsyncWaitCapMs?: number;
}

/** One request as the stand-in received it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query, e.g. `/v2/echo/runsync`. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Raw body text (empty for GET). */
  body: string;
  op: StandinOp;
  endpointId?: string;
  /** For /status and /cancel: the job id in the path. */
  jobId?: string;
}

/** A job held by the stand-in. */
export interface StandinJob {
  readonly id: string;
  readonly endpointId: string;
  readonly input: unknown;
  status: StandinJobStatus;
  output?: unknown;
  error?: string;
  /** /status polls seen. */
  polls: number;
  readonly submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
}

/** Filter for {@link RunpodStandin.count}. */
export interface RequestFilter {
  op?: StandinOp;
  endpointId?: string;
  jobId?: string;
  method?: string;
}

/** Options of {@link startRunpodStandin}. */
export interface RunpodStandinOptions {
  /** The key requests must carry. Default `test-key`. */
  apiKey?: string;
  /** /run body limit, bytes. Default 10 MB. */
  runLimitBytes?: number;
  /** /runsync body limit, bytes. Default 20 MB. */
  runsyncLimitBytes?: number;
}

/** A running stand-in. Close it in `afterEach`/`afterAll`. */
export interface RunpodStandin {
  /** Base of the job API, e.g. `http://127.0.0.1:41234/v2` (a RUNPOD_ENDPOINT_BASE_URL). */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Every job created, by id. */
  readonly jobs: ReadonlyMap<string, StandinJob>;
  /** Called for each request right after it is recorded, before it is answered. */
  onRequest?: (request: RecordedRequest) => void;
  /** `${url}/${endpointId}`: the address a directory would give. */
  address(endpointId: string): string;
  /** Adds (or replaces) an endpoint with this behaviour and returns the script, which tests may change later. */
  endpoint(endpointId: string, script?: EndpointScript): EndpointScript;
  /** Number of recorded requests matching every given field. */
  count(filter?: RequestFilter): number;
  /** Closes the server, drops open connections and aborts running jobs. */
  close(): Promise<void>;
}

interface Job extends StandinJob {
  controller: AbortController;
  finished: Promise<void>;
  resolveFinished: () => void;
}

const TERMINAL = new Set<StandinJobStatus>(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);
const MB = 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts a RunPod job-API stand-in on 127.0.0.1 (random port). */
export async function startRunpodStandin(options: RunpodStandinOptions = {}): Promise<RunpodStandin> {
  const apiKey = options.apiKey ?? 'test-key';
  const runLimit = options.runLimitBytes ?? 10 * MB;
  const runsyncLimit = options.runsyncLimitBytes ?? 20 * MB;
  const endpoints = new Map<string, EndpointScript>();
  const jobs = new Map<string, Job>();
  const requests: RecordedRequest[] = [];
  const pendingTimers = new Set<NodeJS.Timeout>();
  let closed = false;

  const finish = (job: Job, status: StandinJobStatus, result: { output?: unknown; error?: string } = {}): void => {
    if (TERMINAL.has(job.status)) return;
    job.status = status;
    if (result.output !== undefined) job.output = result.output;
    if (result.error !== undefined) job.error = result.error;
    job.finishedAt = Date.now();
    job.startedAt ??= job.finishedAt;
    job.controller.abort(new Error(`job ${job.id} ended ${status}`));
    job.resolveFinished();
  };

  const createJob = (endpointId: string, input: unknown, sync: boolean): Job => {
    let resolveFinished!: () => void;
    const finished = new Promise<void>((r) => (resolveFinished = r));
    const job: Job = {
      id: sync ? `sync-${randomUUID()}` : `${randomUUID()}-u1`,
      endpointId,
      input,
      status: 'IN_QUEUE',
      polls: 0,
      submittedAt: Date.now(),
      controller: new AbortController(),
      finished,
      resolveFinished,
    };
    jobs.set(job.id, job);
    const script = endpoints.get(endpointId)!;
    const handler: JobHandler = script.handler ?? ((i) => i);
    setImmediate(() => {
      if (TERMINAL.has(job.status)) return;
      job.status = 'IN_PROGRESS';
      job.startedAt = Date.now();
      const control: JobControl = { id: job.id, endpointId, signal: job.controller.signal, polls: () => job.polls };
      Promise.resolve()
        .then(() => handler(input, control))
        .then(
          (output) => finish(job, 'COMPLETED', { output }),
          (error: unknown) => {
            const text =
              error instanceof JobFailure
                ? error.error
                : JSON.stringify({ name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error), stack: (error as Error)?.stack });
            finish(job, 'FAILED', { error: text });
          },
        );
    });
    return job;
  };

  const jobBody = (job: Job): Record<string, unknown> => {
    if (!TERMINAL.has(job.status)) return { id: job.id, status: job.status };
    const body: Record<string, unknown> = {
      id: job.id,
      status: job.status,
      delayTime: (job.startedAt ?? job.submittedAt) - job.submittedAt,
      executionTime: (job.finishedAt ?? Date.now()) - (job.startedAt ?? job.submittedAt),
    };
    if (job.output !== undefined && job.status === 'COMPLETED') body.output = job.output;
    if (job.error !== undefined) body.error = job.error;
    return body;
  };

  const waitFor = (job: Job, ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      pendingTimers.add(timer);
      function done(): void {
        clearTimeout(timer);
        pendingTimers.delete(timer);
        resolve();
      }
      void job.finished.then(done);
    });

  const handleSubmit = async (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, script: EndpointScript): Promise<void> => {
    const sync = rec.op === 'runsync';
    const limit = sync ? runsyncLimit : runLimit;
    if (Buffer.byteLength(rec.body) > limit) {
      send(res, 413, { error: `request body is larger than the ${limit}-byte limit of /${rec.op}` });
      return;
    }
    let input: unknown;
    try {
      input = (JSON.parse(rec.body) as { input?: unknown }).input;
    } catch {
      send(res, 400, { error: 'request body is not valid JSON' });
      return;
    }
    if (input === undefined) {
      send(res, 400, { error: 'request body has no "input"' });
      return;
    }
    const action = script.submit?.shift();
    if (action) {
      if (action.accept) createJob(rec.endpointId!, input, sync);
      if (action.kind === 'hang') return;
      if (action.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      send(res, action.status, action.body ?? { error: `scripted HTTP ${action.status}` }, action.retryAfter !== undefined ? { 'retry-after': action.retryAfter } : {});
      return;
    }
    const job = createJob(rec.endpointId!, input, sync);
    if (!sync) {
      send(res, 200, { id: job.id, status: 'IN_QUEUE' });
      return;
    }
    const asked = Number(rec.query.wait ?? 90_000);
    let wait = Number.isFinite(asked) ? Math.min(300_000, Math.max(1_000, asked)) : 90_000;
    if (script.runsyncWaitCapMs !== undefined) wait = Math.min(wait, script.runsyncWaitCapMs);
    await waitFor(job, wait);
    if (!res.destroyed) send(res, 200, jobBody(job));
  };

  const handleStatus = (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, script: EndpointScript): void => {
    const job = jobs.get(rec.jobId!);
    if (!job || job.endpointId !== rec.endpointId) {
      send(res, 404, { error: `job ${rec.jobId} not found` });
      return;
    }
    job.polls++;
    const end = script.endAfterPolls;
    if (end && !TERMINAL.has(job.status) && job.polls >= end.polls) finish(job, end.status, { output: end.output, error: end.error });
    const action = script.status?.shift();
    if (action) {
      if (action.kind === 'hang') return;
      if (action.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      send(res, action.status, action.body ?? { error: `scripted HTTP ${action.status}` }, action.retryAfter !== undefined ? { 'retry-after': action.retryAfter } : {});
      return;
    }
    send(res, 200, jobBody(job));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = req.method === 'GET' || req.method === 'HEAD' ? '' : await readBody(req);
    const parts = url.pathname.split('/').filter(Boolean);
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      op: 'other',
    };
    if (parts[0] === 'v2' && parts.length >= 3) {
      rec.endpointId = decodeURIComponent(parts[1]);
      const op = parts[2];
      if ((op === 'run' || op === 'runsync' || op === 'health') && parts.length === 3) rec.op = op;
      if ((op === 'status' || op === 'cancel') && parts.length === 4) {
        rec.op = op;
        rec.jobId = decodeURIComponent(parts[3]);
      }
    }
    requests.push(rec);
    standin.onRequest?.(rec);

    const auth = req.headers.authorization;
    if (auth !== `Bearer ${apiKey}` && auth !== apiKey) {
      send(res, 401, { error: 'Unauthorized' });
      return;
    }
    const script = rec.endpointId !== undefined ? endpoints.get(rec.endpointId) : undefined;
    if (rec.op === 'other' || !script) {
      send(res, 404, { error: 'Not Found' });
      return;
    }
    const allowed: Record<Exclude<StandinOp, 'other'>, string[]> = {
      run: ['POST'],
      runsync: ['POST'],
      status: ['GET', 'POST'],
      cancel: ['POST'],
      health: ['GET'],
    };
    if (!allowed[rec.op].includes(rec.method)) {
      send(res, 405, { error: 'Method Not Allowed' });
      return;
    }
    switch (rec.op) {
      case 'run':
      case 'runsync':
        await handleSubmit(req, res, rec, script);
        return;
      case 'status':
        handleStatus(req, res, rec, script);
        return;
      case 'cancel': {
        const job = jobs.get(rec.jobId!);
        if (!job || job.endpointId !== rec.endpointId) {
          send(res, 404, { error: `job ${rec.jobId} not found` });
          return;
        }
        const action = script.cancel?.shift();
        if (action) {
          if (action.kind === 'hang') return;
          if (action.kind === 'drop') {
            req.socket.destroy();
            return;
          }
          send(res, action.status, action.body ?? { error: `scripted HTTP ${action.status}` });
          return;
        }
        finish(job, 'CANCELLED');
        send(res, 200, { id: job.id, status: job.status });
        return;
      }
      case 'health': {
        const mine = [...jobs.values()].filter((j) => j.endpointId === rec.endpointId);
        const n = (s: StandinJobStatus): number => mine.filter((j) => j.status === s).length;
        send(res, 200, {
          jobs: { completed: n('COMPLETED'), failed: n('FAILED'), inProgress: n('IN_PROGRESS'), inQueue: n('IN_QUEUE'), retried: 0 },
          workers: { idle: 1, running: n('IN_PROGRESS') },
        });
        return;
      }
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, 500, { error: `stand-in bug: ${(error as Error).message}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}/v2`;

  const standin: RunpodStandin = {
    url: base,
    requests,
    jobs,
    address: (endpointId) => `${base}/${endpointId}`,
    endpoint: (endpointId, script = {}) => {
      endpoints.set(endpointId, script);
      return script;
    },
    count: (filter = {}) =>
      requests.filter(
        (r) =>
          (filter.op === undefined || r.op === filter.op) &&
          (filter.endpointId === undefined || r.endpointId === filter.endpointId) &&
          (filter.jobId === undefined || r.jobId === filter.jobId) &&
          (filter.method === undefined || r.method === filter.method),
      ).length,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const job of jobs.values()) finish(job, 'CANCELLED');
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return standin;
}
