import 'reflect-metadata';
import { Endpoint, Remote } from '@switchyard/decorators';
import { getEndpointMetadata } from '@switchyard/decorators';
import { contractHash, createRuntime, DeadlineExceededError, MemoryLogger, RemoteExecutionError, RunpodExecutor, serve, type Runtime } from '@switchyard/core';
import { callRequest, decodeResult } from './helpers';

// The RunpodExecutor against the project's own worker (serve() in http mode): the statuses a
// Switchyard worker produces. TIMED_OUT, 429 and a CANCELLED status seen while polling come
// from RunPod's platform, so those cases run against the protocol stand-in in
// runpod-executor.test.ts.

const KEY = 'executor-vs-serve-key';

@Endpoint({ name: 'image-processor' })
class Images {
  aborted = 0;
  started = 0;

  @Remote()
  async resize(width: number): Promise<{ width: number }> {
    return { width };
  }

  @Remote()
  async slowResize(width: number, ms: number): Promise<{ width: number }> {
    await new Promise((r) => setTimeout(r, ms));
    return { width };
  }

  @Remote()
  async broken(): Promise<never> {
    throw new RangeError('width must be positive');
  }

  @Remote()
  async hang(signal?: AbortSignal): Promise<string> {
    this.started++;
    return new Promise((_resolve, reject) => {
      signal?.addEventListener('abort', () => {
        this.aborted++;
        reject(signal.reason);
      });
    });
  }
}

describe('RunpodExecutor against serve()', () => {
  let worker: { url: string; close(): Promise<void> };
  let runtime: Runtime;
  let address: string;
  const executor = new RunpodExecutor({ apiKey: KEY, pollInitialMs: 20, pollMaxMs: 100, runsyncWaitMs: 1_000, logger: new MemoryLogger() });
  const contract = contractHash(getEndpointMetadata(Images)!);
  const request = (method: string, args: unknown[], extra: Parameters<typeof callRequest>[2] = {}) => {
    const r = callRequest(address, args, { endpoint: 'image-processor', method, ...extra });
    r.invocation.contract = contract;
    return r;
  };
  const waitUntil = async (check: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  beforeAll(async () => {
    runtime = createRuntime({ endpoint: 'image-processor', apiKey: KEY, env: {}, logger: new MemoryLogger() });
    worker = await serve({ endpoints: [Images], runtime, apiKey: KEY });
    address = `${worker.url}/v2/image-processor`;
  });
  afterAll(async () => {
    await worker.close();
    await runtime.close();
  });

  it('returns the output when runsync completes at once', async () => {
    expect(decodeResult(await executor.execute(request('resize', [640])))).toEqual({ width: 640 });
  });

  it('polls /status after runsync answers IN_PROGRESS and returns the COMPLETED output', async () => {
    // runsync waits 1 s (its minimum); the method takes longer, so the reply carries a job id.
    expect(decodeResult(await executor.execute(request('slowResize', [320, 1_300])))).toEqual({ width: 320 });
  });

  it('throws RemoteExecutionError with the remote stack for a FAILED job', async () => {
    const error = (await executor.execute(request('broken', [])).catch((e: unknown) => e)) as RemoteExecutionError;
    expect(error).toBeInstanceOf(RemoteExecutionError);
    expect(error.remote.name).toBe('RangeError');
    expect(error.remote.message).toBe('width must be positive');
    expect(error.remote.stack).toContain('broken');
    expect(error.jobId).toMatch(/^sync-/);
  });

  it('cancels the job on the worker when the deadline passes, and the method sees its signal abort', async () => {
    const instance = runtime.instanceOf(Images);
    const before = instance.aborted;
    const error = (await executor.execute(request('hang', [], { timeoutMs: 1_500 })).catch((e: unknown) => e)) as DeadlineExceededError;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error.jobId).toEqual(expect.any(String));
    await waitUntil(() => instance.aborted > before);
    expect(instance.aborted).toBe(before + 1);
    const job = (await (await fetch(`${address}/status/${error.jobId}`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { status: string; error?: string };
    // The executor's /cancel and the worker's own deadline fire at the same instant: either one
    // stops the job, and it never completes.
    if (job.status === 'FAILED') expect(JSON.parse(job.error!)).toMatchObject({ name: 'DeadlineExceededError' });
    else expect(job.status).toBe('CANCELLED');
  }, 30_000);

  it('cancels the job and rethrows the reason when the caller aborts', async () => {
    const instance = runtime.instanceOf(Images);
    const before = instance.aborted;
    const startedBefore = instance.started;
    const controller = new AbortController();
    const pending = executor.execute(request('hang', [], { timeoutMs: 20_000, signal: controller.signal })).catch((e: unknown) => e);
    await waitUntil(() => instance.started > startedBefore);
    // Past runsync's 1 s wait the executor holds a job id, so the abort can cancel the job.
    setTimeout(() => controller.abort(new Error('caller gave up')), 1_200);
    const error = (await pending) as Error;
    expect(error.message).toBe('caller gave up');
    await waitUntil(() => instance.aborted > before);
    expect(instance.aborted).toBeGreaterThan(before);
  }, 30_000);
});
