// Issue 15: a job named by RunPod's job-stop channel got a job-done POST with an error about 5 ms
// after the stop, so the platform recorded it as FAILED (completed) rather than stopped.
// runpod-python cancels the job's task and posts nothing; Switchyard now does the same: the
// method's signal aborts, no job-done is posted for the job, and its slot takes the next job.
import { randomUUID } from 'node:crypto';
import { Endpoint, Remote } from '@switchyard/decorators';
import { MemoryLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import type { Runtime } from '../../src/router/runtime-types';
import { WIRE_VERSION, type Invocation, type WireOutput } from '../../src/serialization/wire';
import { Dispatcher } from '../../src/worker/dispatcher';
import { startRunpodWorker, type RunpodWorkerHandle } from '../../src/worker/runpod-worker';
import { eventually, gate, type Gate } from '../support/helpers';
import { RunpodJobService } from '../support/runpod-job-service';

const ENDPOINT = 'issue-15-stop';
const seen = { started: [] as string[], aborted: [] as string[], finished: [] as string[] };
const gates = new Map<string, Gate<void>>();

@Endpoint({ name: ENDPOINT })
class StopJobs {
  /** Honours its signal: rejects as soon as the job is stopped. */
  @Remote() async cooperative(tag: string, signal: AbortSignal): Promise<string> {
    seen.started.push(tag);
    await new Promise<void>((resolve, reject) => {
      signal.addEventListener('abort', () => (seen.aborted.push(tag), reject(signal.reason)), { once: true });
      void gates.get(tag)?.promise.then(resolve);
    });
    seen.finished.push(tag);
    return `finished ${tag}`;
  }

  /** Ignores its signal: runs until the test opens its gate. */
  @Remote() async stubborn(tag: string, signal: AbortSignal): Promise<string> {
    seen.started.push(tag);
    signal.addEventListener('abort', () => seen.aborted.push(tag), { once: true });
    await gates.get(tag)!.promise;
    seen.finished.push(tag);
    return `finished ${tag}`;
  }

  @Remote() async add(a: number, b: number): Promise<number> {
    return a + b;
  }
}

let service: RunpodJobService;
let runtime: Runtime;
let logger: MemoryLogger;
let worker: RunpodWorkerHandle | undefined;

function job(id: string, method: string, args: unknown[]): { id: string; input: Invocation } {
  return { id, input: { sy: WIRE_VERSION, endpoint: ENDPOINT, method, args: runtime.serializer.encode(args), callId: randomUUID(), deadline: Date.now() + 60_000 } };
}

async function start(concurrency = 1): Promise<void> {
  const dispatcher = new Dispatcher({ runtime, endpoints: [StopJobs] });
  worker = await startRunpodWorker({ dispatcher, env: service.env(), logger, concurrency, handleSignals: false, pingIntervalMs: 50, idlePauseMs: 0, postRetryDelayMs: 5 });
}

const started = (n: number) => eventually(() => (seen.started.length >= n ? true : undefined));
const logged = (pattern: RegExp) => eventually(() => logger.records.find((r) => pattern.test(r.message)));
const doneFor = (id: string) => service.ofKind('done').filter((r) => r.jobId === id);
const resultOf = (body: Record<string, unknown>) => runtime.serializer.decode((body.output as WireOutput).result);

beforeEach(async () => {
  for (const list of Object.values(seen)) list.length = 0;
  gates.clear();
  service = await RunpodJobService.start({ longPollMs: 100 });
  runtime = createRuntime({ endpoint: ENDPOINT, env: {}, logger: new MemoryLogger() });
  logger = new MemoryLogger();
});

afterEach(async () => {
  for (const g of gates.values()) g.open();
  await worker?.close();
  await service.close();
  await runtime.close();
});

describe('issue 15: a job stopped by RunPod gets no job-done', () => {
  it('aborts the method, posts nothing for the job, logs that it was stopped, and runs the next job in its slot', async () => {
    service.pushJob(job('job-stop-1', 'cooperative', ['one']));
    await start();
    await started(1);
    await service.waitForCount('stop', 1);
    service.stopJobs('job-stop-1');
    const stopped = await logged(/^job job-stop-1 stopped by RunPod; its method ended \d+ ms after the stop, and no result was posted$/);
    expect(stopped.level).toBe('info');
    expect(seen.aborted).toEqual(['one']);
    expect(seen.finished).toEqual([]);
    service.pushJob(job('job-next', 'add', [20, 22]));
    const { body } = await service.waitForResult('job-next');
    expect(resultOf(body)).toBe(42);
    expect(doneFor('job-stop-1')).toEqual([]);
  });

  it('keeps the slot of a method that ignores its signal until it returns, then discards its result instead of posting it', async () => {
    gates.set('late', gate());
    service.pushJob(job('job-stubborn', 'stubborn', ['late']), job('job-queued', 'add', [1, 2]));
    await start();
    await started(1);
    await service.waitForCount('stop', 1);
    service.stopJobs('job-stubborn');
    await logged(/RunPod asked to stop job job-stubborn/);
    expect(seen.aborted).toEqual(['late']);
    // The method goes on: the job still holds the worker's only slot and is still in progress.
    await service.waitFor((r) => r.kind === 'ping' && r.query.job_id === 'job-stubborn' && r.seq > service.ofKind('stop').at(-1)!.seq);
    expect(service.ofKind('take')).toHaveLength(1);
    gates.get('late')!.open();
    await logged(/^job job-stubborn stopped by RunPod; its method ended \d+ ms after the stop/);
    const { body } = await service.waitForResult('job-queued');
    expect(resultOf(body)).toBe(3);
    expect(seen.finished).toEqual(['late']);
    expect(doneFor('job-stubborn')).toEqual([]);
  });

  it('stops only the job it names: the other running job finishes and is posted', async () => {
    gates.set('kept', gate());
    service.pushJob(job('job-a', 'cooperative', ['stopped']), job('job-b', 'cooperative', ['kept']));
    await start(2);
    await started(2);
    service.stopJobs('job-a');
    await logged(/^job job-a stopped by RunPod/);
    expect(worker!.inProgress()).toEqual(['job-b']);
    gates.get('kept')!.open();
    const { body } = await service.waitForResult('job-b');
    expect(resultOf(body)).toBe('finished kept');
    expect(doneFor('job-a')).toEqual([]);
  });
});
