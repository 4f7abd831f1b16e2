import { setTimeout as sleep } from 'node:timers/promises';
import { Endpoint, Remote } from '@switchyard/decorators';
import { StaticDirectory } from '../../src/directory/static-directory';
import { ConfigurationError, DeadlineExceededError, InvalidAddressError, InvalidRequestError, RemoteExecutionError } from '../../src/errors';
import { silentLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import { serve, type WorkerServer } from '../../src/worker/serve';
import { rejectionOf, thrownBy } from '../support/helpers';
import { parseHandleId } from '../../src/router/call-handle';

// Issue 16: runtime.spawn submits a call and returns a handle; another runtime collects it by id.

const KEY = 'handles-test-key-1234';

@Endpoint({ name: 'batch' })
class Batch {
  @Remote({ timeoutMs: 30_000 })
  async render(pages: number, ms: number): Promise<{ pages: number; at: Date }> {
    await sleep(ms);
    if (pages < 0) throw new RangeError('pages must be positive');
    return { pages, at: new Date(0) };
  }
}

@Endpoint({ name: 'tokens' })
class Tokens {
  @Remote({ timeoutMs: 30_000 })
  async *words(text: string): AsyncGenerator<{ word: string; at: Date }> {
    for (const word of text.split(' ')) {
      if (word === 'boom') throw new RangeError('boom is not a word');
      yield { word, at: new Date(0) };
      await sleep(5);
    }
  }
}

@Endpoint({ name: 'batch-lb', type: 'load-balancer' })
class BatchLb {
  @Remote()
  async ping(): Promise<string> {
    return 'pong';
  }
}

describe('call handles (issue 16)', () => {
  let worker: WorkerServer;
  let address: string;
  beforeAll(async () => {
    worker = await serve({ endpoints: [Batch, Tokens], apiKey: KEY, port: 0, logger: silentLogger, env: {}, resultTtlMs: 1_500 });
    address = `${worker.url}/v2/batch`;
  });
  afterAll(() => worker.close());

  const client = () => createRuntime({ env: { RUNPOD_API_KEY: KEY, SWITCHYARD_POLL_INITIAL_MS: '20', SWITCHYARD_POLL_MAX_MS: '50' }, logger: silentLogger, directory: new StaticDirectory({ batch: address, tokens: `${worker.url}/v2/tokens`, 'batch-lb': 'http://127.0.0.1:8089' }) });

  it('spawns in one runtime and collects the result by id in another', async () => {
    await using a = client();
    const handle = await a.spawn(Batch, 'render', [3, 150]);
    expect(handle.endpoint).toBe('batch');
    expect(['IN_QUEUE', 'IN_PROGRESS']).toContain((await handle.status()).status);
    expect(handle.id.startsWith('sy1.')).toBe(true);
    expect(handle.id).not.toContain(KEY);
    await using b = client();
    const again = await b.handle<{ pages: number; at: Date }>(handle.id);
    expect(again.jobId).toBe(handle.jobId);
    expect(await again.result()).toEqual({ pages: 3, at: new Date(0) });
    expect((await handle.status()).status).toBe('COMPLETED');
    expect(await handle.result()).toEqual({ pages: 3, at: new Date(0) });
  });

  it("gives a failed job's typed error, and leaves a job running when a wait times out", async () => {
    await using rt = client();
    const failing = await rt.spawn(Batch, 'render', [-1, 10]);
    expect(await rejectionOf(failing.result())).toBeInstanceOf(RemoteExecutionError);
    const slow = await rt.spawn(Batch, 'render', [2, 600]);
    const waited = await rejectionOf(slow.result({ timeoutMs: 100 }));
    expect(waited).toBeInstanceOf(DeadlineExceededError);
    expect(waited.message).toContain('it keeps running');
    expect(await slow.result()).toMatchObject({ pages: 2 });
  });

  it('cancels a spawned job', async () => {
    await using rt = client();
    const handle = await rt.spawn(Batch, 'render', [1, 5_000]);
    await handle.cancel();
    expect((await handle.status()).status).toBe('CANCELLED');
    const error = await rejectionOf(handle.result());
    expect(error).toBeInstanceOf(RemoteExecutionError);
    expect((error as RemoteExecutionError).remote.name).toBe('JobCancelled');
  });

  it('says when the result has expired', async () => {
    await using rt = client();
    const handle = await rt.spawn(Batch, 'render', [1, 1]);
    await handle.result();
    await sleep(1_700);
    expect((await handle.status()).status).toBe('NOT_FOUND');
    const error = await rejectionOf(handle.result());
    expect(error).toBeInstanceOf(RemoteExecutionError);
    expect(error.message).toContain('its result expired');
  });

  it('never follows a handle id to an address its endpoint does not have', async () => {
    await using rt = client();
    const handle = await rt.spawn(Batch, 'render', [1, 1]);
    const fields = parseHandleId(handle.id);
    const forged = `sy1.${Buffer.from(JSON.stringify({ ...fields, a: 'http://127.0.0.1:8090/v2/batch' })).toString('base64url')}`;
    const error = await rejectionOf(rt.handle(forged));
    expect(error).toBeInstanceOf(InvalidAddressError);
    expect(error.message).toContain('which the directory does not list for endpoint "batch"');
    expect(thrownBy(() => parseHandleId('not-a-handle'))).toBeInstanceOf(InvalidRequestError);
  });

  it('refuses to spawn on a load-balancer endpoint', async () => {
    await using rt = client();
    expect(await rejectionOf(rt.spawn(BatchLb, 'ping', []))).toBeInstanceOf(ConfigurationError);
  });

  it("reads a spawned streaming call's chunks through its handle, in another runtime too", async () => {
    await using a = client();
    const handle = await a.spawn(Tokens, 'words', ['one two three']);
    await using b = client();
    const again = await b.handle<AsyncGenerator<{ word: string; at: Date }>>(handle.id);
    const seen: { word: string; at: Date }[] = [];
    for await (const chunk of again.stream()) seen.push(chunk);
    expect(seen).toEqual(['one', 'two', 'three'].map((word) => ({ word, at: new Date(0) })));
    const refused = await rejectionOf(handle.result());
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect(refused.message).toContain('is a streaming method: read its chunks with handle.stream()');
  });

  it("throws a spawned stream's typed error after its chunks", async () => {
    await using rt = client();
    const handle = await rt.spawn(Tokens, 'words', ['fine boom']);
    const seen: string[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const chunk of handle.stream()) seen.push(chunk.word);
      })(),
    );
    expect(seen).toEqual(['fine']);
    expect(error).toBeInstanceOf(RemoteExecutionError);
    expect((error as RemoteExecutionError).remote.name).toBe('RangeError');
  });
});
