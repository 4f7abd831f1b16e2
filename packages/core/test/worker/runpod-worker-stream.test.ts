import { randomUUID } from 'node:crypto';
import { Endpoint, Remote } from '@switchyard/decorators';
import { MemoryLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import type { Runtime } from '../../src/router/runtime-types';
import { parseFailure } from '../../src/serialization/failure';
import { WIRE_VERSION, type Invocation, type WireChunk } from '../../src/serialization/wire';
import { Dispatcher } from '../../src/worker/dispatcher';
import { startRunpodWorker, type RunpodWorkerHandle } from '../../src/worker/runpod-worker';
import { RunpodJobService } from '../support/runpod-job-service';
import { eventually, gate, type Gate } from '../support/helpers';

const ENDPOINT = 'rp-stream';

/** Shared with the endpoint: the job service (to count answered chunk posts) and what each job did. */
const probe: { service?: RunpodJobService; answeredAtResume: number[]; finallyRan: string[]; gate?: Gate; started: string[] } = {
  answeredAtResume: [],
  finallyRan: [],
  started: [],
};

@Endpoint({ name: ENDPOINT })
class StreamingJobs {
  /** Yields `n` values; each time it resumes it notes how many chunk posts the service has answered. */
  @Remote() async *count(n: number): AsyncGenerator<number> {
    for (let i = 1; i <= n; i++) {
      yield i;
      probe.answeredAtResume.push(probe.service!.ofKind('stream').filter((r) => r.status === 200).length);
    }
  }

  @Remote() async *failsAfterTwo(): AsyncGenerator<string> {
    yield 'a';
    yield 'b';
    throw new RangeError('no third value');
  }

  /** Yields once, then holds at the gate (ignoring its signal) until the test opens it. */
  @Remote() async *held(tag: string): AsyncGenerator<string> {
    probe.started.push(tag);
    try {
      yield `${tag}-1`;
      await probe.gate!.promise;
      yield `${tag}-2`;
    } finally {
      probe.finallyRan.push(tag);
    }
  }
}

let service: RunpodJobService;
let runtime: Runtime;
let worker: RunpodWorkerHandle | undefined;
let logger: MemoryLogger;

beforeEach(async () => {
  service = await RunpodJobService.start({ longPollMs: 100 });
  probe.service = service;
  probe.answeredAtResume = [];
  probe.finallyRan = [];
  probe.started = [];
  probe.gate = gate();
  runtime = createRuntime({ endpoint: ENDPOINT, env: {}, logger: new MemoryLogger() });
  logger = new MemoryLogger();
  worker = undefined;
});

afterEach(async () => {
  probe.gate?.open();
  await worker?.close();
  await service.close();
  await runtime.close();
});

function job(id: string, method: string, args: unknown[]): { id: string; input: Invocation } {
  const input: Invocation = { sy: WIRE_VERSION, endpoint: ENDPOINT, method, args: runtime.serializer.encode(args), callId: randomUUID(), deadline: Date.now() + 60_000 };
  return { id, input };
}

async function start(env: NodeJS.ProcessEnv = {}): Promise<RunpodWorkerHandle> {
  worker = await startRunpodWorker({
    dispatcher: new Dispatcher({ runtime, endpoints: [StreamingJobs] }),
    env: service.env(env),
    logger,
    handleSignals: false,
    idlePauseMs: 0,
    backoffMs: 60_000,
    postRetryDelayMs: 5,
  });
  return worker;
}

/** The chunk posts of a job, in order of arrival, decoded. */
function chunksOf(jobId: string): unknown[] {
  return service
    .ofKind('stream')
    .filter((r) => r.jobId === jobId)
    .map((r) => {
      const body = JSON.parse(r.body) as { output: WireChunk };
      expect(Object.keys(body)).toEqual(['output']);
      expect(body.output.sy).toBe(WIRE_VERSION);
      return runtime.serializer.decode(body.output.chunk);
    });
}

describe('startRunpodWorker: streaming methods', () => {
  it('posts each chunk to RUNPOD_WEBHOOK_POST_STREAM as {"output": {"sy":1,"chunk":…}} with isStream=false, then job-done {"output": []} with isStream=true', async () => {
    service.pushJob(job('gen-1', 'count', [3]));
    await start();
    const { request: done, body } = await service.waitForResult('gen-1');
    expect(chunksOf('gen-1')).toEqual([1, 2, 3]);
    const first = service.ofKind('stream')[0]!;
    expect(first.method).toBe('POST');
    expect(first.path).toBe('/v2/ep/job-stream/worker-1/gen-1');
    expect(first.rawQuery).toBe('gpu=TEST&isStream=false');
    expect(first.headers).toMatchObject({ authorization: 'ai-key', 'content-type': 'application/json', 'x-request-id': 'gen-1' });
    expect(done.path).toBe('/v2/ep/job-done/worker-1/gen-1');
    expect(done.rawQuery).toBe('gpu=TEST&isStream=true');
    expect(body).toEqual({ output: [] });
    // The job-done comes after the last chunk.
    expect(done.seq).toBeGreaterThan(service.ofKind('stream').at(-1)!.seq);
  });

  it('waits for each chunk post to be answered before it resumes the generator (sequential posts, backpressure)', async () => {
    service.pushJob(job('gen-2', 'count', [4]));
    await start();
    await service.waitForResult('gen-2');
    // When the generator resumed after value k, exactly k chunk posts had been answered: never more in flight.
    expect(probe.answeredAtResume).toEqual([1, 2, 3, 4]);
  });

  it('posts a chunk while the method still runs', async () => {
    service.pushJob(job('gen-3', 'held', ['live']));
    await start();
    await service.waitFor((r) => r.kind === 'stream' && r.jobId === 'gen-3' && r.status === 200);
    expect(chunksOf('gen-3')).toEqual(['live-1']);
    expect(service.ofKind('done')).toHaveLength(0);
    probe.gate!.open();
    await service.waitForResult('gen-3');
    expect(chunksOf('gen-3')).toEqual(['live-1', 'live-2']);
  });

  it('a mid-stream error ends the job with job-done {"error": "<WireFailure JSON>"} (isStream=true) after the chunks already posted', async () => {
    service.pushJob(job('gen-4', 'failsAfterTwo', []));
    await start();
    const { request: done, body } = await service.waitForResult('gen-4');
    expect(chunksOf('gen-4')).toEqual(['a', 'b']);
    expect(Object.keys(body)).toEqual(['error']);
    expect(parseFailure(body.error)).toMatchObject({ name: 'RangeError', message: 'no third value', endpoint: ENDPOINT, method: 'failsAfterTwo' });
    expect(done.rawQuery).toBe('gpu=TEST&isStream=true');
  });

  it('a stop from the job-stop channel closes the generator (its finally runs) and posts no job-done', async () => {
    service.pushJob(job('gen-5', 'held', ['stopped']));
    const handle = await start();
    await service.waitFor((r) => r.kind === 'stream' && r.jobId === 'gen-5' && r.status === 200);
    service.stopJobs('gen-5');
    // The generator waits at its gate (it ignores its signal); once let go, its pending value is dropped and it is closed.
    await eventually(() => (logger.records.some((r) => r.message.startsWith('RunPod asked to stop job gen-5')) ? true : undefined));
    expect(handle.inProgress()).toEqual(['gen-5']);
    probe.gate!.open();
    await eventually(() => (handle.inProgress().length === 0 ? true : undefined));
    expect(probe.finallyRan).toEqual(['stopped']);
    expect(chunksOf('gen-5')).toEqual(['stopped-1']);
    expect(service.ofKind('done').filter((r) => r.jobId === 'gen-5')).toHaveLength(0);
  });

  it('fails the job when a chunk cannot be posted: the reader would miss it', async () => {
    service.pushJob(job('gen-6', 'count', [3]));
    // A path the job service does not serve answers 404, which is not retried.
    await start({ RUNPOD_WEBHOOK_POST_STREAM: `${service.url}/v2/ep/job-nowhere/$RUNPOD_POD_ID/$ID?gpu=TEST` });
    const { request: done, body } = await service.waitForResult('gen-6');
    expect(done.rawQuery).toBe('gpu=TEST&isStream=true');
    const failure = parseFailure(body.error);
    expect(failure.message).toContain('chunk 1 of job gen-6 could not be posted to RUNPOD_WEBHOOK_POST_STREAM after 1 attempt(s) (HTTP 404');
    expect(probe.answeredAtResume).toEqual([]);
  });

  it('without RUNPOD_WEBHOOK_POST_STREAM a streaming job fails with ConfigurationError and never starts', async () => {
    service.pushJob(job('gen-7', 'held', ['never']));
    await start({ RUNPOD_WEBHOOK_POST_STREAM: '' });
    const { body } = await service.waitForResult('gen-7');
    expect(parseFailure(body.error)).toMatchObject({ name: 'ConfigurationError', message: expect.stringContaining('RUNPOD_WEBHOOK_POST_STREAM is not set') });
    expect(probe.started).toEqual([]);
  });
});
