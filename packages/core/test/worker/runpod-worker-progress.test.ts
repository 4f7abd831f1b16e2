import { randomUUID } from 'node:crypto';
import { Endpoint, Remote } from '@switchyard/decorators';
import { MemoryLogger } from '../../src/observability/logger';
import { reportProgress } from '../../src/router/call-context';
import { createRuntime } from '../../src/router/runtime';
import type { Runtime } from '../../src/router/runtime-types';
import { WIRE_VERSION, type Invocation, type WireOutput } from '../../src/serialization/wire';
import { Dispatcher } from '../../src/worker/dispatcher';
import type { WireProgress } from '../../src/worker/dispatcher-types';
import { startRunpodWorker, type RunpodWorkerHandle } from '../../src/worker/runpod-worker';
import { gate, type Gate } from '../support/helpers';
import { RunpodJobService } from '../support/runpod-job-service';

const ENDPOINT = 'rp-progress-jobs';
const gates = new Map<string, Gate<void>>();

@Endpoint({ name: ENDPOINT })
class ProgressJobs {
  /** Reports `pct` updates, each after the test opens the gate named `<tag>-<pct>`, then returns. */
  @Remote() async steps(tag: string, pcts: number[]): Promise<string> {
    for (const pct of pcts) {
      await gates.get(`${tag}-${pct}`)?.promise;
      reportProgress({ pct, at: new Date(Date.UTC(2031, 0, 1, 0, 0, pct)) });
    }
    await gates.get(`${tag}-end`)?.promise;
    return `${tag} done`;
  }

  /** Reports n updates at once, then holds until the gate `<tag>-end` opens (if the test made one). */
  @Remote() async burst(tag: string, n: number): Promise<number> {
    for (let i = 1; i <= n; i++) reportProgress(i);
    await gates.get(`${tag}-end`)?.promise;
    return n;
  }
}

let service: RunpodJobService;
let runtime: Runtime;
let worker: RunpodWorkerHandle | undefined;

function job(id: string, method: string, args: unknown[]): { id: string; input: Invocation } {
  return { id, input: { sy: WIRE_VERSION, endpoint: ENDPOINT, method, args: runtime.serializer.encode(args), callId: randomUUID(), deadline: Date.now() + 60_000 } };
}

function opened(name: string): Gate<void> {
  const g = gate();
  gates.set(name, g);
  return g;
}

beforeEach(async () => {
  gates.clear();
  service = await RunpodJobService.start({ longPollMs: 100 });
  runtime = createRuntime({ endpoint: ENDPOINT, env: {}, logger: new MemoryLogger() });
  const dispatcher = new Dispatcher({ runtime, endpoints: [ProgressJobs] });
  worker = await startRunpodWorker({ dispatcher, env: service.env(), logger: new MemoryLogger(), handleSignals: false, pingIntervalMs: 50, idlePauseMs: 0, postRetryDelayMs: 5 });
});

afterEach(async () => {
  for (const g of gates.values()) g.open();
  await worker?.close();
  await service.close();
  await runtime.close();
});

/** The job-done POST that carries the job's result (not a progress update). */
function finalPost(jobId: string) {
  return service.waitFor((r) => r.kind === 'done' && r.jobId === jobId && r.status === 200 && (JSON.parse(r.body) as { status?: string }).status === undefined, 5_000, `the result of ${jobId}`);
}

/** The decoded progress updates the job service received for a job, in order. */
function progressOf(jobId: string): unknown[] {
  return service
    .ofKind('done')
    .filter((r) => r.jobId === jobId && (JSON.parse(r.body) as { status?: string }).status === 'IN_PROGRESS')
    .map((r) => runtime.serializer.decode((JSON.parse(r.body) as { output: WireProgress }).output.progress));
}

describe('startRunpodWorker: progress (reportProgress)', () => {
  it('posts each update as runpod-python progress_update does: job-done URL, isStream=false, {"status": "IN_PROGRESS", "output": {"sy": 1, "progress": …}}', async () => {
    const first = opened('p-10');
    const end = opened('p-end');
    service.pushJob(job('job-p', 'steps', ['p', [10]]));
    first.open();
    const progress = await service.waitFor((r) => r.kind === 'done' && r.jobId === 'job-p');
    expect(progress.method).toBe('POST');
    expect(progress.path).toBe('/v2/ep/job-done/worker-1/job-p');
    expect(progress.rawQuery).toBe('gpu=TEST&isStream=false');
    expect(progress.headers['x-request-id']).toBe('job-p');
    expect(progress.headers.authorization).toBe('ai-key');
    const body = JSON.parse(progress.body) as { status: string; output: WireProgress };
    expect(Object.keys(body).sort()).toEqual(['output', 'status']);
    expect(body.status).toBe('IN_PROGRESS');
    expect(Object.keys(body.output).sort()).toEqual(['progress', 'sy']);
    expect(body.output.sy).toBe(WIRE_VERSION);
    expect(runtime.serializer.decode(body.output.progress)).toEqual({ pct: 10, at: new Date(Date.UTC(2031, 0, 1, 0, 0, 10)) });
    // Still running: the result comes after, as its own job-done.
    expect(worker!.inProgress()).toEqual(['job-p']);
    end.open();
    const posts = await finalPost('job-p');
    expect(posts.seq).toBeGreaterThan(progress.seq);
    expect(runtime.serializer.decode((JSON.parse(posts.body) as { output: WireOutput }).output.result)).toBe('p done');
  });

  it('posts one update at a time and collapses a burst to the latest: the first goes out, the last follows, nothing between', async () => {
    const end = opened('b-end');
    service.pushJob(job('job-b', 'burst', ['b', 50]));
    await service.waitFor(() => progressOf('job-b').length === 2, 5_000, 'two progress posts');
    expect(progressOf('job-b')).toEqual([1, 50]);
    end.open();
    await finalPost('job-b');
    expect(progressOf('job-b')).toEqual([1, 50]);
  });

  it('drops updates still waiting when the job ends, and posts the result after the progress post in flight', async () => {
    service.pushJob(job('job-c', 'burst', ['c', 50]));
    const result = await finalPost('job-c');
    expect(progressOf('job-c')).toEqual([1]);
    const done = service.ofKind('done').filter((r) => r.jobId === 'job-c');
    expect(done.at(-1)).toBe(result);
    expect(runtime.serializer.decode((JSON.parse(result.body) as { output: WireOutput }).output.result)).toBe(50);
  });
});
