import runpodSdk from 'runpod-sdk';
import { Endpoint, Remote } from '@switchyard/decorators';
import { MemoryLogger } from '../../src/observability/logger';
import { parseFailure } from '../../src/serialization/failure';
import { defaultSerializer } from '../../src/serialization/serializer';
import { assertWireChunk } from '../../src/serialization/wire';
import { STREAM_BUFFER_CHUNKS } from '../../src/worker/local-job-stream';
import { serve, type WorkerServer } from '../../src/worker/serve';
import { TEST_KEY, gate, invocation, request, type Gate } from '../support/helpers';

const sdkStream = { gate: undefined as Gate | undefined, events: [] as string[] };

@Endpoint({ name: 'sdk-stream' })
class SdkTokens {
  @Remote() async *words(sentence: string): AsyncGenerator<{ word: string; at: Date }> {
    const words = sentence.split(' ');
    for (const [i, word] of words.entries()) {
      sdkStream.events.push(`yield ${word}`);
      yield { word, at: new Date(Date.UTC(2030, 0, i + 1)) };
      if (i === 0) await sdkStream.gate?.promise;
    }
  }

  @Remote() async *many(n: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) yield i;
  }

  @Remote() async *breaks(): AsyncGenerator<string> {
    yield 'before';
    throw new TypeError('broken pipe');
  }
}

describe("RunPod's own JS client (runpod-sdk): stream() reads a Switchyard stream", () => {
  let worker: WorkerServer;
  let endpoint: NonNullable<ReturnType<ReturnType<typeof runpodSdk>['endpoint']>>;

  beforeAll(async () => {
    worker = await serve({ endpoints: [SdkTokens], apiKey: TEST_KEY, logger: new MemoryLogger() });
    endpoint = runpodSdk(TEST_KEY, { baseUrl: `${worker.url}/v2` }).endpoint('sdk-stream')!;
  });

  afterAll(async () => {
    sdkStream.gate?.open();
    await worker.close();
  });

  /** Each `{output}` the SDK yields, checked as a WireChunk and decoded. */
  const decode = (item: unknown): unknown => defaultSerializer.decode(assertWireChunk((item as { output: unknown }).output, 'sdk-stream', 'runpod-sdk').chunk);

  it('yields every chunk in order as {output: {"sy":1,"chunk":…}}, and a chunk arrives before the method has finished', async () => {
    sdkStream.gate = gate();
    sdkStream.events = [];
    const queued = await endpoint.run({ input: invocation(SdkTokens, 'words', ['switch the yard']) });
    const words: string[] = [];
    for await (const item of endpoint.stream(queued.id)) {
      const { word, at } = decode(item) as { word: string; at: Date };
      expect(at).toBeInstanceOf(Date);
      words.push(word);
      sdkStream.events.push(`read ${word}`);
      // The generator waits at the gate after its first word until the SDK has read it.
      if (word === 'switch') sdkStream.gate.open();
    }
    expect(words).toEqual(['switch', 'the', 'yard']);
    expect(sdkStream.events.slice(0, 3)).toEqual(['yield switch', 'read switch', 'yield the']);
    const status = (await endpoint.status(queued.id)) as unknown as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'COMPLETED', output: [], completed: true, succeeded: true });
  });

  it(`reads a stream longer than the ${STREAM_BUFFER_CHUNKS}-chunk buffer`, async () => {
    const n = STREAM_BUFFER_CHUNKS * 5 + 3;
    const queued = await endpoint.run({ input: invocation(SdkTokens, 'many', [n]) });
    const seen: unknown[] = [];
    for await (const item of endpoint.stream(queued.id)) seen.push(decode(item));
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('stops at FAILED after the chunks produced; /status carries the WireFailure', async () => {
    const queued = await endpoint.run({ input: invocation(SdkTokens, 'breaks', []) });
    const seen: unknown[] = [];
    for await (const item of endpoint.stream(queued.id)) seen.push(decode(item));
    expect(seen).toEqual(['before']);
    const status = await request(`${worker.url}/v2/sdk-stream/status/${queued.id}`);
    expect(status.body.status).toBe('FAILED');
    expect(parseFailure(status.body.error)).toMatchObject({ name: 'TypeError', message: 'broken pipe' });
  });
});
