import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Endpoint, Remote } from '@switchyard/decorators';
import { SwitchyardError } from '../../src/errors';
import { MemoryLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import type { Runtime } from '../../src/router/runtime-types';
import { parseFailure } from '../../src/serialization/failure';
import { WIRE_VERSION, type Invocation, type WireOutput } from '../../src/serialization/wire';
import { Dispatcher } from '../../src/worker/dispatcher';
import { startRunpodWorker, type RunpodWorkerHandle, type RunpodWorkerOptions } from '../../src/worker/runpod-worker';
import { RunpodJobService } from '../support/runpod-job-service';

const ENDPOINT = 'rp-worker-jobs';

/** The endpoint the worker hosts. `hold` runs until the test releases it or the job is aborted. */
@Endpoint({ name: ENDPOINT })
class WorkerJobs {
  readonly started: string[] = [];
  readonly aborted: string[] = [];
  private readonly gates = new Map<string, () => void>();
  private readonly startWaiters: Array<{ n: number; resolve: () => void }> = [];

  @Remote()
  async add(a: number, b: number): Promise<number> {
    return a + b;
  }

  @Remote()
  async boom(message: string): Promise<never> {
    throw new RangeError(message);
  }

  @Remote()
  async hold(tag: string, signal: AbortSignal): Promise<string> {
    this.started.push(tag);
    for (const w of [...this.startWaiters]) if (this.started.length >= w.n) w.resolve();
    await new Promise<void>((resolve, reject) => {
      this.gates.set(tag, resolve);
      signal.addEventListener(
        'abort',
        () => {
          this.aborted.push(tag);
          reject(signal.reason);
        },
        { once: true },
      );
    });
    return `released ${tag}`;
  }

  /** Resolves once `n` hold() calls have started (and are still holding unless released). */
  whenStarted(n: number): Promise<void> {
    if (this.started.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.startWaiters.push({ n, resolve }));
  }

  release(tag: string): void {
    const open = this.gates.get(tag);
    if (!open) throw new Error(`hold(${tag}) is not running`);
    open();
  }

  /** Lets every hold() finish, so a failed test still closes its worker. */
  releaseAll(): void {
    for (const open of this.gates.values()) open();
  }
}

/** A MemoryLogger a test can wait on: resolves when a matching record is written. */
class ObservedLogger extends MemoryLogger {
  private readonly waiters = new Set<{ test: (r: MemoryLogger['records'][number]) => boolean; resolve: () => void }>();

  constructor() {
    super();
    // Every record goes through push; watch it there so all four levels are covered.
    const push = this.records.push.bind(this.records);
    this.records.push = (...items) => {
      const n = push(...items);
      for (const w of [...this.waiters]) if (items.some(w.test)) w.resolve();
      return n;
    };
  }

  waitFor(level: string, pattern: RegExp): Promise<void> {
    const test = (r: MemoryLogger['records'][number]): boolean => r.level === level && pattern.test(r.message);
    if (this.records.some(test)) return Promise.resolve();
    return new Promise((resolve) => {
      const w = { test, resolve: () => (this.waiters.delete(w), resolve()) };
      this.waiters.add(w);
    });
  }
}

let service: RunpodJobService;
let runtime: Runtime;
let dispatcher: Dispatcher;
let jobs: WorkerJobs;
let logger: ObservedLogger;
let worker: RunpodWorkerHandle | undefined;

beforeEach(async () => {
  service = await RunpodJobService.start({ longPollMs: 100 });
  runtime = createRuntime({ endpoint: ENDPOINT, env: {}, logger: new MemoryLogger() });
  dispatcher = new Dispatcher({ runtime, endpoints: [WorkerJobs] });
  jobs = runtime.instanceOf(WorkerJobs);
  logger = new ObservedLogger();
  worker = undefined;
});

afterEach(async () => {
  jobs.releaseAll();
  await worker?.close();
  await service.close();
  await runtime.close();
});

function invocation(method: string, args: unknown[]): Invocation {
  return {
    sy: WIRE_VERSION,
    endpoint: ENDPOINT,
    method,
    args: runtime.serializer.encode(args),
    callId: randomUUID(),
    deadline: Date.now() + 60_000,
  };
}

function job(id: string, method: string, args: unknown[]): { id: string; input: Invocation } {
  return { id, input: invocation(method, args) };
}

async function start(options: Partial<RunpodWorkerOptions> = {}, env: NodeJS.ProcessEnv = {}): Promise<RunpodWorkerHandle> {
  worker = await startRunpodWorker({
    dispatcher,
    env: service.env(env),
    logger,
    handleSignals: false,
    pingIntervalMs: 50,
    idlePauseMs: 0,
    backoffMs: 60_000,
    postRetryDelayMs: 5,
    ...options,
  });
  return worker;
}

function resultOf(body: Record<string, unknown>): unknown {
  const output = body.output as WireOutput;
  expect(output.sy).toBe(WIRE_VERSION);
  return runtime.serializer.decode(output.result);
}

/** Waits for `n` more heartbeats: a bounded wait measured in requests, not in milliseconds. */
async function heartbeats(n: number): Promise<void> {
  await service.waitForCount('ping', service.ofKind('ping').length + n);
}

function logged(level: string, pattern: RegExp): boolean {
  return logger.records.some((r) => r.level === level && pattern.test(r.message));
}

describe('startRunpodWorker: job take and job done', () => {
  it('takes a job from RUNPOD_WEBHOOK_GET_JOB ($ID = worker id, job_in_progress=0) with the raw key as Authorization', async () => {
    service.pushJob(job('job-1', 'add', [2, 3]));
    await start();
    await service.waitForResult('job-1');
    const take = service.ofKind('take')[0]!;
    expect(take.method).toBe('GET');
    expect(take.path).toBe('/v2/ep/job-take/worker-1');
    expect(take.rawQuery).toBe('gpu=TEST&job_in_progress=0');
    expect(take.headers.authorization).toBe('ai-key');
  });

  it('posts a COMPLETED job as {"output": <WireOutput>} to job-done/<worker>/<job>?…&isStream=false with X-Request-ID', async () => {
    service.pushJob(job('job-1', 'add', [2, 3]));
    await start();
    const { request, body } = await service.waitForResult('job-1');
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v2/ep/job-done/worker-1/job-1');
    expect(request.rawQuery).toBe('gpu=TEST&isStream=false');
    expect(request.headers.authorization).toBe('ai-key');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-request-id']).toBe('job-1');
    expect(Object.keys(body)).toEqual(['output']);
    expect(resultOf(body)).toBe(5);
  });

  it('posts a FAILED job as {"error": "<JSON string>"} that parses to a WireFailure', async () => {
    service.pushJob(job('job-2', 'boom', ['bad input']));
    await start();
    const { body } = await service.waitForResult('job-2');
    expect(Object.keys(body)).toEqual(['error']);
    expect(typeof body.error).toBe('string');
    const failure = parseFailure(body.error);
    expect(failure).toMatchObject({ name: 'RangeError', message: 'bad input', endpoint: ENDPOINT, method: 'boom' });
  });

  it('reports an invocation that names no hosted method as FAILED RouteNotFoundError, running nothing', async () => {
    service.pushJob(job('job-3', 'deleteEverything', []));
    await start();
    const { body } = await service.waitForResult('job-3');
    expect(parseFailure(body.error).name).toBe('RouteNotFoundError');
    expect(jobs.started).toEqual([]);
  });

  it('treats 204 and 400 as "no job" and asks again', async () => {
    service.scriptTake({ status: 204 }, { status: 400 });
    service.pushJob(job('job-4', 'add', [1, 1]));
    await start();
    await service.waitForResult('job-4');
    const takes = service.ofKind('take');
    expect(takes.slice(0, 3).map((t) => t.status)).toEqual([204, 400, 200]);
    expect(logger.records.filter((r) => r.level === 'warn' || r.level === 'error')).toEqual([]);
  });

  it('ignores an empty body, a non-JSON body and an entry without id/input, then takes the next job', async () => {
    service.scriptTake({ status: 200, body: '' }, { status: 200, body: '<html>busy</html>' }, { status: 200, body: '{"foo":1}' });
    service.pushJob(job('job-5', 'add', [20, 22]));
    await start();
    const { body } = await service.waitForResult('job-5');
    expect(resultOf(body)).toBe(42);
    expect(service.ofKind('take').length).toBeGreaterThanOrEqual(4);
    expect(logged('debug', /not JSON/)).toBe(true);
    expect(logged('warn', /without "id" and "input"/)).toBe(true);
  });

  it('runs every job of a JSON array reply, even more than the free slots (they are assigned already)', async () => {
    service.scriptTake({ status: 200, body: JSON.stringify([job('job-x', 'add', [1, 2]), job('job-y', 'add', [3, 4])]) });
    await start();
    const [x, y] = await Promise.all([service.waitForResult('job-x'), service.waitForResult('job-y')]);
    expect([resultOf(x.body), resultOf(y.body)]).toEqual([3, 7]);
    expect(logged('warn', /handed out 2 jobs for 1 free slot/)).toBe(true);
  });

  it('backs off after 429: no take request during the back-off window', async () => {
    service.scriptTake({ status: 429 });
    await start({ backoffMs: 60_000 });
    await service.waitFor((r) => r.kind === 'take' && r.status === 429);
    await heartbeats(4);
    expect(service.ofKind('take')).toHaveLength(1);
    // close() cuts the back-off short and sends nothing more.
    await worker!.close();
    expect(service.ofKind('take')).toHaveLength(1);
  });

  it('asks again at once after 204 when idlePauseMs is 0 (the counterpart of the 429 back-off)', async () => {
    service.scriptTake({ status: 204 }, { status: 204 }, { status: 204 });
    await start({ backoffMs: 60_000 });
    await service.waitForCount('take', 4);
    expect(service.ofKind('take').slice(0, 3).map((t) => t.status)).toEqual([204, 204, 204]);
  });

  it('logs and backs off after another non-2xx take reply', async () => {
    service.scriptTake({ status: 502, body: 'bad gateway' });
    await start({ backoffMs: 60_000 });
    await logger.waitFor('warn', /job take failed \(HTTP 502 bad gateway\); retrying in 60000 ms/);
    await heartbeats(4);
    expect(service.ofKind('take')).toHaveLength(1);
  });

  it('tolerates a long poll that the job service holds before answering with a job', async () => {
    service.pushJob(job('job-6', 'add', [3, 4]));
    service.scriptTake({ holdMs: 400 });
    await start();
    const { request, body } = await service.waitForResult('job-6');
    expect(resultOf(body)).toBe(7);
    expect(service.ofKind('take').filter((t) => t.seq < request.seq)).toHaveLength(1);
    expect(logger.records.filter((r) => r.level === 'warn' || r.level === 'error')).toEqual([]);
  });

  it('treats a long poll that outlives longPollTimeoutMs as "no job" and asks again', async () => {
    service.scriptTake({ holdMs: 5_000 });
    await start({ longPollTimeoutMs: 150 });
    await service.waitForCount('take', 2);
    service.pushJob(job('job-7', 'add', [1, 2]));
    await service.waitForResult('job-7');
    expect(logged('debug', /no reply within 150 ms/)).toBe(true);
    expect(logger.records.filter((r) => r.level === 'warn' || r.level === 'error')).toEqual([]);
  });

  it('uses "?" when a template has no query (job_in_progress, isStream)', async () => {
    service.pushJob(job('job-8', 'add', [1, 2]));
    await start({}, {
      RUNPOD_WEBHOOK_GET_JOB: `${service.url}/v2/ep/job-take/$ID`,
      RUNPOD_WEBHOOK_POST_OUTPUT: `${service.url}/v2/ep/job-done/$RUNPOD_POD_ID/$ID`,
    });
    const { request } = await service.waitForResult('job-8');
    expect(service.ofKind('take')[0]!.rawQuery).toBe('job_in_progress=0');
    expect(request.rawQuery).toBe('isStream=false');
  });

  it('takes its worker id from RUNPOD_POD_ID, else a random UUID', async () => {
    service.pushJob(job('job-9', 'add', [1, 2]));
    const handle = await start({}, { RUNPOD_POD_ID: undefined });
    expect(handle.workerId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const { request } = await service.waitForResult('job-9');
    expect(service.ofKind('take')[0]!.path).toBe(`/v2/ep/job-take/${handle.workerId}`);
    expect(request.path).toBe(`/v2/ep/job-done/${handle.workerId}/job-9`);
  });
});

describe('startRunpodWorker: job-done retries', () => {
  it('retries the job-done POST after 5xx replies, 3 attempts in all, with the same body and X-Request-ID', async () => {
    service.scriptDone(503, 502);
    service.pushJob(job('job-10', 'add', [5, 5]));
    await start();
    const { body } = await service.waitForResult('job-10');
    const posts = service.ofKind('done');
    expect(posts.map((p) => p.status)).toEqual([503, 502, 200]);
    expect(new Set(posts.map((p) => p.body)).size).toBe(1);
    expect(posts.every((p) => p.headers['x-request-id'] === 'job-10')).toBe(true);
    expect(resultOf(body)).toBe(10);
    expect(logged('error', /./)).toBe(false);
  });

  it('logs an error naming the job when all 3 job-done attempts fail', async () => {
    service.scriptDone(500, 500, 500);
    service.pushJob(job('job-11', 'add', [1, 1]));
    await start();
    await service.waitForCount('done', 3);
    await worker!.close(); // close() waits until the job's result handling has finished
    expect(service.ofKind('done').map((p) => p.status)).toEqual([500, 500, 500]);
    const error = logger.records.find((r) => r.level === 'error');
    expect(error?.message).toMatch(/job job-11 COMPLETED, but its result could not be posted .* after 3 attempt\(s\): HTTP 500/);
    expect(error?.fields).toMatchObject({ jobId: 'job-11', status: 500 });
  });
});

describe('startRunpodWorker: heartbeat', () => {
  it('pings RUNPOD_WEBHOOK_PING ($RUNPOD_POD_ID = worker id) with the in-progress job ids and the Switchyard version', async () => {
    service.pushJob(job('job-h', 'hold', ['h']));
    await start();
    await jobs.whenStarted(1);
    const busy = await service.waitFor((r) => r.kind === 'ping' && r.query.job_id === 'job-h');
    expect(busy.method).toBe('GET');
    expect(busy.path).toBe('/v2/ep/ping/worker-1');
    expect(busy.rawQuery).toMatch(/^gpu=TEST&job_id=job-h&runpod_version=switchyard-\d+\.\d+\.\d+/);
    expect(busy.headers.authorization).toBe('ai-key');
    expect(worker!.inProgress()).toEqual(['job-h']);
    jobs.release('h');
    const { request } = await service.waitForResult('job-h');
    const idle = await service.waitFor((r) => r.kind === 'ping' && r.seq > request.seq && r.query.job_id === '');
    expect(idle.rawQuery).toMatch(/^gpu=TEST&job_id=&runpod_version=/);
  });

  it('sends no heartbeat when RUNPOD_WEBHOOK_PING is unset', async () => {
    service.pushJob(job('job-n', 'add', [1, 1]), job('job-m', 'add', [2, 2]));
    await start({}, { RUNPOD_WEBHOOK_PING: undefined });
    await service.waitForResult('job-m');
    expect(service.ofKind('ping')).toEqual([]);
  });
});

describe('startRunpodWorker: concurrency', () => {
  it('with concurrency 2 takes a batch (job-take-batch, batch_size=2) and runs both jobs at once', async () => {
    service.pushJob(job('job-a', 'hold', ['a']), job('job-b', 'hold', ['b']));
    await start({ concurrency: 2 });
    await jobs.whenStarted(2); // both methods are running, neither has been released
    const first = service.ofKind('take-batch')[0]!;
    expect(first.path).toBe('/v2/ep/job-take-batch/worker-1');
    expect(first.rawQuery).toBe('gpu=TEST&batch_size=2&job_in_progress=0');
    const ping = await service.waitFor((r) => r.kind === 'ping' && r.query.job_id?.split(',').length === 2);
    expect(ping.query.job_id!.split(',').sort()).toEqual(['job-a', 'job-b']);
    expect(ping.rawQuery).toContain('job_id=job-a%2Cjob-b');

    // No slot is free: no take while both run.
    const takesWhileFull = service.ofKind('take').length + service.ofKind('take-batch').length;
    await heartbeats(3);
    expect(service.ofKind('take').length + service.ofKind('take-batch').length).toBe(takesWhileFull);

    jobs.release('a');
    const { request: doneA } = await service.waitForResult('job-a');
    const next = await service.waitFor((r) => r.kind === 'take' && r.seq > doneA.seq);
    expect(next.path).toBe('/v2/ep/job-take/worker-1');
    expect(next.rawQuery).toBe('gpu=TEST&job_in_progress=1');
    jobs.release('b');
    const { body } = await service.waitForResult('job-b');
    expect(resultOf(body)).toBe('released b');
  });

  it('reads the number of slots from SWITCHYARD_WORKER_CONCURRENCY', async () => {
    await start({}, { SWITCHYARD_WORKER_CONCURRENCY: '3' });
    const take = await service.waitForCount('take-batch', 1);
    expect(take.query.batch_size).toBe('3');
  });

  it('with concurrency 1 sends no take while a job runs', async () => {
    service.pushJob(job('job-c1', 'hold', ['c1']), job('job-c2', 'add', [1, 1]));
    await start();
    await jobs.whenStarted(1);
    await heartbeats(3);
    expect(service.ofKind('take')).toHaveLength(1);
    expect(service.ofKind('take-batch')).toHaveLength(0);
    jobs.release('c1');
    await service.waitForResult('job-c2');
  });
});

describe('startRunpodWorker: job-stop channel', () => {
  it('polls job-stop/<worker> while a job runs; a job RunPod lists in jobsToStop is aborted, gets no job-done, and its slot takes the next job', async () => {
    service.pushJob(job('job-s', 'hold', ['s']));
    await start();
    await jobs.whenStarted(1);
    const poll = await service.waitForCount('stop', 1);
    expect(poll.method).toBe('GET');
    expect(poll.path).toBe('/v2/ep/job-stop/worker-1');
    expect(poll.rawQuery).toBe('gpu=TEST');
    expect(poll.headers.authorization).toBe('ai-key');
    service.stopJobs('job-s');
    await logger.waitFor('info', /RunPod asked to stop job job-s; aborting its method, and no result will be posted/);
    await logger.waitFor('info', /job job-s stopped by RunPod; its method ended \d+ ms after the stop, and no result was posted/);
    expect(jobs.aborted).toEqual(['s']);
    // The slot is free again: the next job runs in it (concurrency 1), and is posted as usual.
    service.pushJob(job('job-after-stop', 'add', [2, 3]));
    const { body } = await service.waitForResult('job-after-stop');
    expect(resultOf(body)).toBe(5);
    expect(service.ofKind('done').filter((r) => r.jobId === 'job-s')).toEqual([]);
    // Stopped means dropped from the heartbeat too, once its method returned.
    const beat = await service.waitFor((r) => r.kind === 'ping' && r.seq > service.ofKind('done').at(-1)!.seq);
    expect(beat.query.job_id).not.toContain('job-s');
  });

  it('skips the stop channel when the take template has no /job-take/ segment, and says so once at debug level', async () => {
    service.pushJob(job('job-t', 'hold', ['t']));
    await start({}, { RUNPOD_WEBHOOK_GET_JOB: `${service.url}/v2/ep/next-job/$ID?gpu=TEST` });
    await jobs.whenStarted(1);
    await heartbeats(3);
    jobs.release('t');
    await service.waitForResult('job-t');
    expect(service.ofKind('take')[0]!.path).toBe('/v2/ep/next-job/worker-1');
    expect(service.ofKind('stop')).toEqual([]);
    expect(logger.records.filter((r) => /no job-stop channel/.test(r.message)).map((r) => r.level)).toEqual(['debug']);
  });
});

describe('startRunpodWorker: shutdown', () => {
  it('close() while a job runs: takes nothing more, waits for the job, posts its result, then resolves', async () => {
    service.pushJob(job('job-z', 'hold', ['z']));
    await start();
    await jobs.whenStarted(1);
    const takesAtClose = service.ofKind('take').length;
    let closed = false;
    const closing = worker!.close().then(() => (closed = true));
    await heartbeats(3); // the heartbeat goes on while the job finishes
    expect(closed).toBe(false);
    expect(worker!.inProgress()).toEqual(['job-z']);
    jobs.release('z');
    await closing;
    const result = service.ofKind('done').find((r) => r.jobId === 'job-z');
    expect(result?.status).toBe(200);
    expect(resultOf(JSON.parse(result!.body) as Record<string, unknown>)).toBe('released z');
    expect(service.ofKind('take')).toHaveLength(takesAtClose);
    expect(worker!.inProgress()).toEqual([]);
  });

  it('installs SIGTERM/SIGINT listeners with handleSignals and removes them on close', async () => {
    const before = [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')];
    await start({ handleSignals: true });
    expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual([before[0]! + 1, before[1]! + 1]);
    await worker!.close();
    expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual(before);
  });

  it('resolves `closed` once the worker has stopped', async () => {
    await start();
    let stopped = false;
    void worker!.closed.then(() => (stopped = true));
    await worker!.close();
    await Promise.resolve();
    expect(stopped).toBe(true);
  });
});

describe('startRunpodWorker: configuration and secrets', () => {
  it('refuses to start without RUNPOD_WEBHOOK_GET_JOB and points to mode "http" for local runs', async () => {
    const start = startRunpodWorker({ dispatcher, env: { RUNPOD_WEBHOOK_POST_OUTPUT: 'http://127.0.0.1:1/x' }, handleSignals: false });
    await expect(start).rejects.toBeInstanceOf(SwitchyardError);
    await expect(start).rejects.toThrow(/RUNPOD_WEBHOOK_GET_JOB is not set.*only runs on a RunPod serverless worker.*stand-in.*mode 'http'/s);
  });

  it('refuses to start without RUNPOD_WEBHOOK_POST_OUTPUT', async () => {
    const start = startRunpodWorker({ dispatcher, env: { RUNPOD_WEBHOOK_GET_JOB: 'http://127.0.0.1:1/job-take/$ID' }, handleSignals: false });
    await expect(start).rejects.toThrow(/RUNPOD_WEBHOOK_POST_OUTPUT is not set/);
  });

  it('refuses a malformed RUNPOD_PING_INTERVAL or concurrency, naming it', async () => {
    await expect(startRunpodWorker({ dispatcher, env: service.env({ RUNPOD_PING_INTERVAL: 'soon' }), handleSignals: false })).rejects.toThrow(
      'RUNPOD_PING_INTERVAL must be a whole number from 1 to 2147483647, got "soon".',
    );
    await expect(startRunpodWorker({ dispatcher, env: service.env(), concurrency: 0, handleSignals: false })).rejects.toThrow(
      'startRunpodWorker option concurrency must be a whole number from 1 to 1000000, got 0.',
    );
  });

  it('sends every request but the heartbeat through the fetch it is given', async () => {
    const seen: string[] = [];
    const counting: typeof fetch = (input, init) => {
      seen.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
    service.pushJob(job('job-f', 'add', [1, 1]));
    await start({ fetch: counting });
    await service.waitForResult('job-f');
    expect(seen.some((u) => u.includes('/job-take/worker-1'))).toBe(true);
    expect(seen.some((u) => u.includes('/job-done/worker-1/job-f'))).toBe(true);
    // Heartbeats come from their own thread, which cannot use a function of this one.
    await heartbeats(1);
    expect(seen.some((u) => u.includes('/ping/worker-1'))).toBe(false);
  });

  it('logs a take that cannot connect and backs off instead of failing', async () => {
    const gone = await RunpodJobService.start();
    await gone.close(); // nothing listens on its port any more
    await start({ backoffMs: 60_000 }, { RUNPOD_WEBHOOK_GET_JOB: `${gone.url}/v2/ep/job-take/$ID?gpu=TEST` });
    await logger.waitFor('warn', /job take failed \(.*ECONNREFUSED.*\); retrying in 60000 ms/);
    expect(logger.records.find((r) => r.level === 'warn')?.fields?.url).toBe(`${gone.url}/v2/ep/job-take/worker-1?gpu=TEST&job_in_progress=0`);
    await heartbeats(2); // the worker is still alive and beating
    expect(logger.records.filter((r) => /job take failed/.test(r.message))).toHaveLength(1);
  });

  it('never writes RUNPOD_AI_API_KEY to the log, even when the job service echoes it', async () => {
    const key = 'rpa_SECRET_worker_key_0123';
    service.scriptTake({ status: 500, body: `key ${key} is not valid here` });
    await start({ backoffMs: 60_000 }, { RUNPOD_AI_API_KEY: key });
    await logger.waitFor('warn', /job take failed \(HTTP 500/);
    expect(service.ofKind('take')[0]!.headers.authorization).toBe(key);
    const text = JSON.stringify(logger.records);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(key);
  });

  it('logs an error naming RUNPOD_AI_API_KEY when the job service refuses the key (401)', async () => {
    await service.close();
    service = await RunpodJobService.start({ apiKey: 'the-right-key' });
    await start({ backoffMs: 60_000 }, { RUNPOD_AI_API_KEY: 'a-wrong-key' });
    await logger.waitFor('error', /refused \(HTTP 401.*check RUNPOD_AI_API_KEY/);
    expect(service.ofKind('take')[0]!.status).toBe(401);
    expect(JSON.stringify(logger.records)).not.toContain('a-wrong-key');
  });
});
