import { Endpoint, Remote } from '@switchyard/decorators';
import { MemoryLogger } from '../../src/observability/logger';
import { defaultSerializer } from '../../src/serialization/serializer';
import type { WireFailure } from '../../src/errors';
import { serve, type WorkerServer } from '../../src/worker/serve';
import { TEST_KEY, eventually, gate, invocation, request, type Gate } from '../support/helpers';

/** What the hosted methods did, so tests can see what ran and what was aborted. */
const probe = {
  started: [] as string[],
  aborted: [] as string[],
  gates: new Map<string, Gate<string>>(),
};

function holdGate(token: string): Gate<string> {
  const g = gate<string>();
  probe.gates.set(token, g);
  return g;
}

@Endpoint({ name: 'http-jobs' })
class HttpJobs {
  @Remote() async echo(value: unknown): Promise<unknown> {
    return value;
  }

  /** Runs until the test opens its gate, or until the job is cancelled. */
  @Remote() async hold(token: string, signal: AbortSignal): Promise<string> {
    probe.started.push(token);
    const held = probe.gates.get(token)!;
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        probe.aborted.push(token);
        resolve('aborted');
      }, { once: true });
      void held.promise.then(resolve);
    });
  }

  @Remote() async fail(message: string): Promise<never> {
    throw new RangeError(message);
  }
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe('serve() in http mode (local RunPod API)', () => {
  let worker: WorkerServer;
  let base: string;
  const logger = new MemoryLogger();

  beforeEach(async () => {
    probe.started.length = 0;
    probe.aborted.length = 0;
    probe.gates.clear();
    worker = await serve({ endpoints: [HttpJobs], apiKey: TEST_KEY, concurrency: 1, logger });
    base = `${worker.url}/v2/http-jobs`;
  });

  afterEach(async () => {
    for (const g of probe.gates.values()) g.open('released by afterEach');
    await worker.close();
  });

  const status = async (id: string) => (await request(`${base}/status/${id}`)).body;

  it('binds 127.0.0.1 on a free port', () => {
    expect(worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('POST /runsync runs the call and replies {id, status: COMPLETED, output, delayTime, executionTime}', async () => {
    const value = { when: new Date('2031-05-01T00:00:00Z'), tags: new Set(['a']) };
    const res = await request(`${base}/runsync`, { body: { input: invocation(HttpJobs, 'echo', [value]) } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['delayTime', 'executionTime', 'id', 'output', 'status']);
    expect(res.body.id).toMatch(new RegExp(`^sync-${UUID}$`));
    expect(res.body.status).toBe('COMPLETED');
    expect(typeof res.body.delayTime).toBe('number');
    expect(typeof res.body.executionTime).toBe('number');
    const output = res.body.output as { sy: number; result: unknown };
    expect(output.sy).toBe(1);
    expect(defaultSerializer.decode(output.result)).toEqual(value);
  });

  it('replies FAILED with error = the JSON string of the WireFailure when the method throws', async () => {
    const res = await request(`${base}/runsync`, { body: { input: invocation(HttpJobs, 'fail', ['out of range']) } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('FAILED');
    expect(typeof res.body.error).toBe('string');
    const failure = JSON.parse(res.body.error as string) as WireFailure;
    expect(failure).toMatchObject({ name: 'RangeError', message: 'out of range', endpoint: 'http-jobs', method: 'fail' });
    expect(failure.stack).toContain('RangeError: out of range');
    expect(res.body.output).toBeUndefined();
  });

  it('accepts a job whose input is not an invocation and fails it with InvalidRequestError, like a RunPod worker would', async () => {
    const res = await request(`${base}/runsync`, { body: { input: { hello: 'world' } } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('FAILED');
    expect(JSON.parse(res.body.error as string)).toMatchObject({ name: 'InvalidRequestError', code: 'INVALID_REQUEST' });
  });

  it('POST /run replies {id, status: IN_QUEUE}; /status reports IN_QUEUE, IN_PROGRESS, then COMPLETED', async () => {
    holdGate('first');
    const first = await request(`${base}/run`, { body: { input: invocation(HttpJobs, 'hold', ['first']) } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ id: expect.stringMatching(new RegExp(`^${UUID}$`)), status: 'IN_QUEUE' });
    const second = await request(`${base}/run`, { body: { input: invocation(HttpJobs, 'echo', ['queued']) } });
    const firstId = first.body.id as string;
    const secondId = second.body.id as string;

    await eventually(async () => ((await status(firstId)).status === 'IN_PROGRESS' ? true : undefined));
    const queued = await status(secondId);
    expect(queued).toMatchObject({ id: secondId, status: 'IN_QUEUE', executionTime: 0 });
    expect(typeof queued.delayTime).toBe('number');

    probe.gates.get('first')!.open('done');
    const done = (await request(`${base}/status-sync/${secondId}?wait=5000`)).body;
    expect(done).toMatchObject({ id: secondId, status: 'COMPLETED' });
    expect(defaultSerializer.decode((done.output as { result: unknown }).result)).toBe('queued');
    // POST /status works as well as GET.
    const viaPost = await request(`${base}/status/${firstId}`, { method: 'POST', body: {} });
    expect(viaPost.body).toMatchObject({ id: firstId, status: 'COMPLETED' });
    expect(defaultSerializer.decode((viaPost.body.output as { result: unknown }).result)).toBe('done');
  });

  it('POST /runsync?wait=1000 on a slow call replies {id, status: IN_PROGRESS}; /status-sync then completes it', async () => {
    const slow = holdGate('slow');
    const res = await request(`${base}/runsync?wait=1000`, { body: { input: invocation(HttpJobs, 'hold', ['slow']) } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: expect.stringMatching(/^sync-/), status: 'IN_PROGRESS' });
    slow.open('finally');
    const done = await request(`${base}/status-sync/${res.body.id as string}?wait=5000`);
    expect(done.body).toMatchObject({ id: res.body.id, status: 'COMPLETED' });
    expect(defaultSerializer.decode((done.body.output as { result: unknown }).result)).toBe('finally');
  });

  it('clamps ?wait= below 1000 ms to 1000 ms (the job still reports truthfully)', async () => {
    holdGate('clamped');
    const res = await request(`${base}/runsync?wait=1`, { body: { input: invocation(HttpJobs, 'hold', ['clamped']) } });
    expect(res.body.status).toBe('IN_PROGRESS');
  });

  it('POST /cancel/{id} of a running job replies CANCELLED and aborts the method signal', async () => {
    holdGate('victim');
    const run = await request(`${base}/run`, { body: { input: invocation(HttpJobs, 'hold', ['victim']) } });
    const id = run.body.id as string;
    await eventually(async () => (probe.started.includes('victim') ? true : undefined));
    const cancel = await request(`${base}/cancel/${id}`, { method: 'POST', body: {} });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toEqual({ id, status: 'CANCELLED' });
    await eventually(async () => (probe.aborted.includes('victim') ? true : undefined));
    expect(await status(id)).toMatchObject({ id, status: 'CANCELLED' });
  });

  it('POST /cancel/{id} of a queued job removes it: it never runs', async () => {
    const blocker = holdGate('blocker');
    holdGate('never');
    await request(`${base}/run`, { body: { input: invocation(HttpJobs, 'hold', ['blocker']) } });
    const queued = await request(`${base}/run`, { body: { input: invocation(HttpJobs, 'hold', ['never']) } });
    const id = queued.body.id as string;
    expect((await status(id)).status).toBe('IN_QUEUE');
    expect((await request(`${base}/cancel/${id}`, { method: 'POST' })).body).toEqual({ id, status: 'CANCELLED' });
    blocker.open('ok');
    const after = await request(`${base}/run`, { body: { input: invocation(HttpJobs, 'echo', ['after']) } });
    await request(`${base}/status-sync/${after.body.id as string}?wait=5000`);
    expect(probe.started).toEqual(['blocker']);
    expect((await status(id)).status).toBe('CANCELLED');
  });

  it('GET /health counts jobs (completed, failed, inProgress, inQueue, retried) and workers (idle, running)', async () => {
    const idle = await request(`${base}/health`);
    expect(idle.status).toBe(200);
    expect(idle.body).toEqual({ jobs: { completed: 0, failed: 0, inProgress: 0, inQueue: 0, retried: 0 }, workers: { idle: 1, running: 0 } });

    await request(`${base}/runsync`, { body: { input: invocation(HttpJobs, 'echo', [1]) } });
    await request(`${base}/runsync`, { body: { input: invocation(HttpJobs, 'fail', ['x']) } });
    const busy = holdGate('busy');
    const running = await request(`${base}/run`, { body: { input: invocation(HttpJobs, 'hold', ['busy']) } });
    await request(`${base}/run`, { body: { input: invocation(HttpJobs, 'echo', [2]) } });
    await eventually(async () => ((await status(running.body.id as string)).status === 'IN_PROGRESS' ? true : undefined));
    expect((await request(`${base}/health`)).body).toEqual({
      jobs: { completed: 1, failed: 1, inProgress: 1, inQueue: 1, retried: 0 },
      workers: { idle: 0, running: 1 },
    });
    busy.open('ok');
  });

  it('POST /purge-queue cancels queued jobs and replies {removed, status}', async () => {
    const blocker = holdGate('purge-blocker');
    await request(`${base}/run`, { body: { input: invocation(HttpJobs, 'hold', ['purge-blocker']) } });
    const queued = await request(`${base}/run`, { body: { input: invocation(HttpJobs, 'echo', ['purged']) } });
    const purge = await request(`${base}/purge-queue`, { method: 'POST', body: {} });
    expect(purge.body).toEqual({ removed: 1, status: 'completed' });
    expect((await status(queued.body.id as string)).status).toBe('CANCELLED');
    blocker.open('ok');
  });

  it('replies 404 JSON for a job id it does not know', async () => {
    const res = await request(`${base}/status/00000000-0000-0000-0000-000000000000`);
    expect(res.status).toBe(404);
    expect(res.body.error).toContain('was not found on endpoint "http-jobs"');
  });

  it('close() stops taking jobs, lets the running one finish (its runsync caller gets the result) and cancels queued ones', async () => {
    const running = holdGate('draining');
    holdGate('queued-at-close');
    const pendingReply = request(`${base}/runsync?wait=60000`, { body: { input: invocation(HttpJobs, 'hold', ['draining']) } });
    await eventually(async () => (probe.started.includes('draining') ? true : undefined));
    const queued = request(`${base}/runsync?wait=60000`, { body: { input: invocation(HttpJobs, 'hold', ['queued-at-close']) } });
    await eventually(async () => ((await request(`${base}/health`)).body.jobs as { inQueue: number }).inQueue === 1 ? true : undefined);

    let closed = false;
    const closing = worker.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    running.open('finished during close');
    await closing;
    const reply = await pendingReply;
    expect(reply.body.status).toBe('COMPLETED');
    expect(defaultSerializer.decode((reply.body.output as { result: unknown }).result)).toBe('finished during close');
    expect((await queued).body.status).toBe('CANCELLED');
    expect(probe.started).toEqual(['draining']);
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });
});

describe('serve() in http mode: result retention', () => {
  it('forgets a finished job after resultTtlMs: /status then replies 404', async () => {
    await using worker = await serve({ endpoints: [HttpJobs], apiKey: TEST_KEY, resultTtlMs: 40, logger: new MemoryLogger() });
    const base = `${worker.url}/v2/http-jobs`;
    const run = await request(`${base}/run`, { body: { input: invocation(HttpJobs, 'echo', ['short-lived']) } });
    const id = run.body.id as string;
    const done = await request(`${base}/status-sync/${id}?wait=5000`);
    expect(done.body.status).toBe('COMPLETED');
    const gone = await eventually(async () => {
      const res = await request(`${base}/status/${id}`);
      return res.status === 404 ? res : undefined;
    });
    expect(gone.body.error).toContain('expired');
  });
});
