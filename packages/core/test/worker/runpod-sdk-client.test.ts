import runpodSdk from 'runpod-sdk';
import { Endpoint, Remote } from '@switchyard/decorators';
import { MemoryLogger } from '../../src/observability/logger';
import { defaultSerializer } from '../../src/serialization/serializer';
import { serve, type WorkerServer } from '../../src/worker/serve';
import { TEST_KEY, eventually, gate, invocation, type Gate } from '../support/helpers';

const sdkProbe = { gate: undefined as Gate<string> | undefined, aborted: false };

@Endpoint({ name: 'sdk-echo' })
class SdkEcho {
  @Remote() async shout(text: string): Promise<string> {
    return `${text.toUpperCase()}!`;
  }

  @Remote() async wait(signal: AbortSignal): Promise<string> {
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        sdkProbe.aborted = true;
        resolve('aborted');
      }, { once: true });
      void sdkProbe.gate!.promise.then(resolve);
    });
  }
}

describe("RunPod's own JS client (runpod-sdk) against serve()", () => {
  let worker: WorkerServer;
  let endpoint: NonNullable<ReturnType<ReturnType<typeof runpodSdk>['endpoint']>>;

  beforeAll(async () => {
    worker = await serve({ endpoints: [SdkEcho], apiKey: TEST_KEY, concurrency: 1, logger: new MemoryLogger() });
    endpoint = runpodSdk(TEST_KEY, { baseUrl: `${worker.url}/v2` }).endpoint('sdk-echo')!;
  });

  afterAll(async () => {
    sdkProbe.gate?.open('released');
    await worker.close();
  });

  afterEach(() => jest.restoreAllMocks());

  it('runSync returns the COMPLETED job with the Switchyard output', async () => {
    const result = (await endpoint.runSync({ input: invocation(SdkEcho, 'shout', ['hello']) })) as unknown as Record<string, unknown>;
    expect(result).toMatchObject({ status: 'COMPLETED', started: true, completed: true, succeeded: true });
    expect(result.id).toMatch(/^sync-/);
    expect(typeof result.delayTime).toBe('number');
    expect(typeof result.executionTime).toBe('number');
    expect(defaultSerializer.decode((result.output as { result: unknown }).result)).toBe('HELLO!');
  });

  it('runSync keeps polling /status-sync until a slow job completes', async () => {
    // runpod-sdk prints each status-sync poll with console.log (bound at import, so it stays visible).
    sdkProbe.gate = gate<string>();
    const realFetch = globalThis.fetch;
    const urls: string[] = [];
    // Observe the SDK's requests; the job is released only once the SDK has started polling.
    jest.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      urls.push(url.replace(worker.url, ''));
      if (url.includes('/status-sync/')) sdkProbe.gate!.open('late');
      return realFetch(input, init);
    });
    const result = (await endpoint.runSync({ input: invocation(SdkEcho, 'wait', []) }, 1_000)) as unknown as Record<string, unknown>;
    expect(result).toMatchObject({ status: 'COMPLETED', completed: true, succeeded: true });
    expect(defaultSerializer.decode((result.output as { result: unknown }).result)).toBe('late');
    expect(urls[0]).toBe('/v2/sdk-echo/runsync?wait=1000');
    expect(urls[1]).toMatch(/^\/v2\/sdk-echo\/status-sync\/sync-[0-9a-f-]+\?wait=1000$/);
  });

  it('run replies {id, status: IN_QUEUE}; status reports the finished job', async () => {
    const queued = await endpoint.run({ input: invocation(SdkEcho, 'shout', ['queued']) });
    expect(queued).toEqual({ id: expect.any(String), status: 'IN_QUEUE' });
    const final = (await endpoint.statusSync(queued.id, 5_000)) as unknown as Record<string, unknown>;
    expect(final).toMatchObject({ id: queued.id, status: 'COMPLETED', completed: true, succeeded: true });
    const status = (await endpoint.status(queued.id)) as unknown as Record<string, unknown>;
    expect(status).toMatchObject({ id: queued.id, status: 'COMPLETED', started: true, completed: true, succeeded: true });
    expect(defaultSerializer.decode((status.output as { result: unknown }).result)).toBe('QUEUED!');
  });

  it('cancel stops a running job and status then reports CANCELLED', async () => {
    sdkProbe.gate = gate<string>();
    sdkProbe.aborted = false;
    const queued = await endpoint.run({ input: invocation(SdkEcho, 'wait', []) });
    const cancelled = await endpoint.cancel(queued.id);
    expect(cancelled).toMatchObject({ id: queued.id, status: 'CANCELLED' });
    const status = (await endpoint.status(queued.id)) as unknown as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'CANCELLED', completed: true, succeeded: false });
    await eventually(async () => (sdkProbe.aborted ? true : undefined));
  });

  it('health returns the job and worker counts in RunPod’s shape', async () => {
    const health = await endpoint.health();
    expect(health.jobs).toEqual({
      completed: expect.any(Number),
      failed: expect.any(Number),
      inProgress: expect.any(Number),
      inQueue: expect.any(Number),
      retried: 0,
    });
    expect(health.jobs.completed).toBeGreaterThanOrEqual(3);
    expect(health.workers).toEqual({ idle: expect.any(Number), running: expect.any(Number) });
  });

  it('a wrong key makes the SDK throw with HTTP 401 and a JSON error', async () => {
    const wrong = runpodSdk('not-the-key', { baseUrl: `${worker.url}/v2` }).endpoint('sdk-echo')!;
    const error = (await wrong.health().catch((e: unknown) => e)) as { response?: { status: number; data: { error: string } } };
    expect(error.response?.status).toBe(401);
    expect(error.response?.data.error).toContain('Invalid API key');
    expect(JSON.stringify(error.response?.data)).not.toContain(TEST_KEY);
  });
});
