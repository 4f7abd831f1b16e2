import 'reflect-metadata';
import { Endpoint, getEndpointMetadata, Remote } from '@switchyard/decorators';
import {
  contractHash,
  ContractMismatchError,
  createRuntime,
  DeadlineExceededError,
  InvalidRequestError,
  LoadBalancerExecutor,
  MemoryLogger,
  RemoteExecutionError,
  RouteNotFoundError,
  RunpodExecutor,
  SerializationError,
  Serializer,
  serve,
  type Executor,
  type Runtime,
  type WorkerServer,
} from '@switchyard/core';
import { callRequest, decodeResult, rejectionOf, type CallRequestOptions } from '../support/helpers';

// Both executors against the project's own worker, side by side: serve() in http mode behind
// the RunpodExecutor, serve() in load-balancer mode behind the LoadBalancerExecutor. The same
// worker-side outcome must reach the caller as the same class with the same fields over both.
// What only RunPod's platform produces (TIMED_OUT, 429, gateway pages) runs against the
// protocol stand-ins in runpod-executor.test.ts and load-balancer-executor.test.ts.

const KEY = 'executor-vs-serve-key';

class QuotaError extends Error {
  override name = 'QuotaError';
  constructor(
    message: string,
    readonly remaining: number,
  ) {
    super(message);
  }
}

@Endpoint({ name: 'image-processor' })
class Images {
  aborted = 0;
  started = 0;

  @Remote()
  async resize(width: number): Promise<{ width: number; at: Date }> {
    return { width, at: new Date(0) };
  }

  @Remote()
  async slowResize(width: number, ms: number): Promise<{ width: number }> {
    await new Promise((r) => setTimeout(r, ms));
    return { width };
  }

  @Remote()
  async broken(): Promise<never> {
    throw new Error('outer', { cause: new RangeError('width must be positive', { cause: new TypeError('innermost') }) });
  }

  @Remote()
  async overQuota(): Promise<never> {
    throw new QuotaError('quota used up', 3);
  }

  @Remote()
  async unserializable(): Promise<unknown> {
    return () => 'a function cannot travel';
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

const serializer = new Serializer();
serializer.registerError(QuotaError);
const contract = contractHash(getEndpointMetadata(Images)!);

describe.each([
  ['queue (RunpodExecutor → serve http)', 'http', 'queue'],
  ['load-balancer (LoadBalancerExecutor → serve load-balancer)', 'load-balancer', 'load-balancer'],
] as const)('executor against serve(): %s', (_label, mode, type) => {
  let worker: WorkerServer;
  let runtime: Runtime;
  let address: string;
  let executor: Executor & { close(): Promise<void> };
  const request = (method: string, args: unknown[], extra: CallRequestOptions = {}) =>
    callRequest(address, args, { endpoint: 'image-processor', method, contract, type, serializer, ...extra });
  const waitUntil = async (check: () => boolean): Promise<void> => {
    for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  beforeAll(async () => {
    runtime = createRuntime({ endpoint: 'image-processor', apiKey: KEY, env: {}, logger: new MemoryLogger(), serializer });
    worker = await serve({ endpoints: [Images], runtime, apiKey: KEY, mode });
    address = mode === 'http' ? `${worker.url}/v2/image-processor` : worker.url;
    const options = { apiKey: KEY, logger: new MemoryLogger(), serializer, breaker: false as const };
    executor = type === 'queue' ? new RunpodExecutor({ ...options, pollInitialMs: 20, pollMaxMs: 100, runsyncWaitMs: 1_000 }) : new LoadBalancerExecutor(options);
  });
  afterAll(async () => {
    await executor.close();
    await worker.close();
    await runtime.close();
  });

  it('returns the result, a Date kept a Date', async () => {
    expect(decodeResult(await executor.execute(request('resize', [640])), serializer)).toEqual({ width: 640, at: new Date(0) });
  });

  it('returns the result of a method that outlasts runsync\'s wait (polled to COMPLETED over the queue)', async () => {
    expect(decodeResult(await executor.execute(request('slowResize', [320, 1_300])), serializer)).toEqual({ width: 320 });
  });

  it('throws RemoteExecutionError for an unregistered error, with the remote stack and the whole cause chain', async () => {
    const error = (await rejectionOf(executor.execute(request('broken', [])))) as RemoteExecutionError;
    expect(error).toBeInstanceOf(RemoteExecutionError);
    expect(error.endpoint).toBe('image-processor');
    expect(error.method).toBe('broken');
    expect(error.remote).toMatchObject({ name: 'Error', message: 'outer' });
    expect(error.remote.stack).toContain('broken');
    const cause = error.cause as Error;
    expect(cause.name).toBe('RangeError');
    expect(cause.message).toBe('width must be positive');
    expect((cause.cause as Error).message).toBe('innermost');
    expect(error.remote.cause?.cause?.name).toBe('TypeError');
  });

  it('rethrows a registered error as its own class with its fields', async () => {
    const error = await rejectionOf(executor.execute(request('overQuota', [])));
    expect(error).toBeInstanceOf(QuotaError);
    expect((error as QuotaError).remaining).toBe(3);
    expect(error.message).toBe('quota used up');
  });

  it('reports a result the worker cannot serialize as SerializationError', async () => {
    const error = await rejectionOf(executor.execute(request('unserializable', [])));
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toContain('result of image-processor.unserializable');
  });

  it('reports too many arguments as InvalidRequestError with its details', async () => {
    const error = (await rejectionOf(executor.execute(request('resize', [1, 2, 3])))) as InvalidRequestError;
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.details).toEqual(['expected at most 1 argument(s), got 3']);
  });

  it('reports a caller built against another contract as ContractMismatchError with both hashes', async () => {
    const error = (await rejectionOf(executor.execute(request('resize', [1], { contract: 'ffffffffffffffff' })))) as ContractMismatchError;
    expect(error).toBeInstanceOf(ContractMismatchError);
    expect(error.expected).toBe(contract);
    expect(error.actual).toBe('ffffffffffffffff');
  });

  it('reports a method the worker does not serve as RouteNotFoundError', async () => {
    const error = await rejectionOf(executor.execute(request('crop', [], { contract: undefined })));
    expect(error).toBeInstanceOf(RouteNotFoundError);
    expect(error.message).toContain('no @Remote method "crop"');
  });

  it('stops the method on the worker when the deadline passes, and throws DeadlineExceededError', async () => {
    const instance = runtime.instanceOf(Images);
    const before = instance.aborted;
    const error = (await rejectionOf(executor.execute(request('hang', [], { timeoutMs: 1_500 })))) as DeadlineExceededError;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    if (type === 'queue') expect(error.jobId).toEqual(expect.any(String));
    await waitUntil(() => instance.aborted > before);
    expect(instance.aborted).toBe(before + 1);
  }, 30_000);

  it('stops the method and rethrows the reason when the caller aborts', async () => {
    const instance = runtime.instanceOf(Images);
    const before = instance.aborted;
    const startedBefore = instance.started;
    const controller = new AbortController();
    const pending = rejectionOf(executor.execute(request('hang', [], { timeoutMs: 20_000, signal: controller.signal })));
    await waitUntil(() => instance.started > startedBefore);
    // Past runsync's 1 s wait the queue executor holds a job id, so the abort can cancel the job.
    setTimeout(() => controller.abort(new Error('caller gave up')), type === 'queue' ? 1_200 : 50);
    expect((await pending).message).toBe('caller gave up');
    await waitUntil(() => instance.aborted > before);
    expect(instance.aborted).toBeGreaterThan(before);
  }, 30_000);
});
