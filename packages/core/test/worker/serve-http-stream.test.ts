import { Endpoint, Remote } from '@switchyard/decorators';
import { MemoryLogger } from '../../src/observability/logger';
import { parseFailure } from '../../src/serialization/failure';
import { defaultSerializer } from '../../src/serialization/serializer';
import { WIRE_VERSION, type WireChunk } from '../../src/serialization/wire';
import { STREAM_BUFFER_CHUNKS } from '../../src/worker/local-job-stream';
import { serve, type WorkerServer } from '../../src/worker/serve';
import { TEST_KEY, eventually, gate, invocation, request, type Gate } from '../support/helpers';

/** Per tag: what the generator did. */
interface Seen {
  produced: number;
  finallyRan: boolean;
}
const seen = new Map<string, Seen>();
const gates = new Map<string, Gate>();

function track(tag: string): Seen {
  const entry: Seen = { produced: 0, finallyRan: false };
  seen.set(tag, entry);
  return entry;
}

@Endpoint({ name: 'http-stream' })
class Tokens {
  /** Yields `n` tokens; after the first it waits at the tag's gate, if there is one. */
  @Remote() async *tokens(tag: string, n: number): AsyncGenerator<string> {
    const entry = track(tag);
    try {
      for (let i = 1; i <= n; i++) {
        entry.produced = i;
        yield `${tag}-${i}`;
        if (i === 1) await gates.get(tag)?.promise;
      }
    } finally {
      entry.finallyRan = true;
    }
  }

  @Remote() async *failsAfter(tag: string, n: number): AsyncGenerator<number> {
    track(tag);
    for (let i = 1; i <= n; i++) yield i;
    throw new RangeError(`no value after ${n}`);
  }

  @Remote() async plain(): Promise<string> {
    return 'one result';
  }
}

describe('serve() in http mode: streaming methods on /stream/{id}', () => {
  let worker: WorkerServer;
  let base: string;

  beforeAll(async () => {
    worker = await serve({ endpoints: [Tokens], apiKey: TEST_KEY, concurrency: 4, logger: new MemoryLogger() });
    base = `${worker.url}/v2/http-stream`;
  });

  afterAll(async () => {
    for (const g of gates.values()) g.open();
    await worker.close();
  });

  const run = async (method: string, args: unknown[]): Promise<string> => {
    const res = await request(`${base}/run`, { body: { input: invocation(Tokens, method, args) } });
    expect(res.status).toBe(200);
    return res.body.id as string;
  };
  const stream = (id: string, query = '') => request(`${base}/stream/${id}${query}`);
  const chunksOf = (body: Record<string, unknown>): WireChunk[] => (body.stream as Array<{ output: WireChunk }>).map((entry) => entry.output);
  const decoded = (body: Record<string, unknown>): unknown[] => chunksOf(body).map((c) => defaultSerializer.decode(c.chunk));

  /** Reads /stream until a terminal status; returns every value and the last reply. */
  async function readAll(id: string): Promise<{ values: unknown[]; last: Record<string, unknown>; replies: number }> {
    const values: unknown[] = [];
    for (let replies = 1; ; replies++) {
      const res = await stream(id);
      expect(res.status).toBe(200);
      values.push(...decoded(res.body));
      if (!['IN_QUEUE', 'IN_PROGRESS'].includes(res.body.status as string)) return { values, last: res.body, replies };
    }
  }

  it('answers in RunPod\'s shape {id, status, stream: [{output: {"sy":1,"chunk":…}}]} and ends COMPLETED; /status then has output []', async () => {
    const id = await run('tokens', ['shape', 3]);
    const { values, last } = await readAll(id);
    expect(values).toEqual(['shape-1', 'shape-2', 'shape-3']);
    expect(last).toMatchObject({ id, status: 'COMPLETED' });
    const status = await request(`${base}/status/${id}`);
    expect(status.body).toMatchObject({ id, status: 'COMPLETED', output: [] });
    // Drained: another read has no chunk, and the terminal status at once.
    expect((await stream(id)).body).toEqual({ id, status: 'COMPLETED', stream: [] });
  });

  it('delivers a chunk while the method still runs (IN_PROGRESS), then the rest and COMPLETED', async () => {
    gates.set('live', gate());
    const id = await run('tokens', ['live', 2]);
    const first = await stream(id, '?wait=60000');
    expect(first.body.status).toBe('IN_PROGRESS');
    expect(decoded(first.body)).toEqual(['live-1']);
    expect(first.body.stream).toEqual([{ output: { sy: WIRE_VERSION, chunk: defaultSerializer.encode('live-1') } }]);
    expect(seen.get('live')!.finallyRan).toBe(false);
    gates.get('live')!.open();
    const { values, last } = await readAll(id);
    expect(values).toEqual(['live-2']);
    expect(last.status).toBe('COMPLETED');
    expect(seen.get('live')!.finallyRan).toBe(true);
  });

  it(`buffers at most ${STREAM_BUFFER_CHUNKS} unread chunks: the generator waits until /stream drains them`, async () => {
    const total = STREAM_BUFFER_CHUNKS * 3 + 5;
    const id = await run('tokens', ['pressure', total]);
    await eventually(() => (seen.get('pressure')?.produced === STREAM_BUFFER_CHUNKS ? true : undefined));
    // Another request round trip gives the generator every chance to run on: it does not.
    await request(`${base}/status/${id}`);
    expect(seen.get('pressure')!.produced).toBe(STREAM_BUFFER_CHUNKS);
    let read = 0;
    for (;;) {
      const res = await stream(id);
      const batch = decoded(res.body);
      expect(batch.length).toBeLessThanOrEqual(STREAM_BUFFER_CHUNKS);
      expect(batch).toEqual(Array.from({ length: batch.length }, (_, i) => `pressure-${read + i + 1}`));
      read += batch.length;
      // Never more than the buffer ahead of what this reader took.
      expect(seen.get('pressure')!.produced).toBeLessThanOrEqual(read + STREAM_BUFFER_CHUNKS);
      if (res.body.status === 'COMPLETED') break;
    }
    expect(read).toBe(total);
  });

  it('a job that fails mid-stream gives its chunks, then FAILED with the WireFailure JSON string', async () => {
    const id = await run('failsAfter', ['fails', 2]);
    const { values, last } = await readAll(id);
    expect(values).toEqual([1, 2]);
    expect(last.status).toBe('FAILED');
    expect(parseFailure(last.error)).toMatchObject({ name: 'RangeError', message: 'no value after 2', endpoint: 'http-stream', method: 'failsAfter' });
    expect((await request(`${base}/status/${id}`)).body).toMatchObject({ status: 'FAILED', error: last.error });
  });

  it('/cancel stops a stream held by backpressure: the generator\'s finally runs, and /stream ends CANCELLED', async () => {
    const id = await run('tokens', ['cancelled', STREAM_BUFFER_CHUNKS * 4]);
    await eventually(() => (seen.get('cancelled')?.produced === STREAM_BUFFER_CHUNKS ? true : undefined));
    expect((await request(`${base}/cancel/${id}`, { method: 'POST' })).body).toEqual({ id, status: 'CANCELLED' });
    await eventually(() => (seen.get('cancelled')!.finallyRan ? true : undefined));
    expect(seen.get('cancelled')!.produced).toBe(STREAM_BUFFER_CHUNKS);
    // What was produced before the cancel stays readable, then the terminal status.
    const { values, last } = await readAll(id);
    expect(values).toHaveLength(STREAM_BUFFER_CHUNKS);
    expect(last.status).toBe('CANCELLED');
  });

  it('/cancel while a reader waits on /stream answers that reader with CANCELLED', async () => {
    gates.set('waiting', gate());
    const id = await run('tokens', ['waiting', 3]);
    expect(decoded((await stream(id)).body)).toEqual(['waiting-1']);
    const pending = stream(id, '?wait=60000');
    await request(`${base}/cancel/${id}`, { method: 'POST' });
    expect((await pending).body).toEqual({ id, status: 'CANCELLED', stream: [] });
    gates.get('waiting')!.open();
    await eventually(() => (seen.get('waiting')!.finallyRan ? true : undefined));
  });

  it('waits up to ?wait for a chunk and answers IN_PROGRESS with an empty stream when none came', async () => {
    gates.set('quiet', gate());
    const id = await run('tokens', ['quiet', 2]);
    expect(decoded((await stream(id)).body)).toEqual(['quiet-1']);
    const empty = await stream(id, '?wait=1000');
    expect(empty.body).toEqual({ id, status: 'IN_PROGRESS', stream: [] });
    gates.get('quiet')!.open();
    expect((await readAll(id)).values).toEqual(['quiet-2']);
  });

  it('a method that does not stream gives an empty stream and its terminal status; its /status keeps the result', async () => {
    const id = await run('plain', []);
    const { values, last } = await readAll(id);
    expect(values).toEqual([]);
    expect(last.status).toBe('COMPLETED');
    const status = await request(`${base}/status/${id}`);
    expect(defaultSerializer.decode((status.body.output as { result: unknown }).result)).toBe('one result');
  });

  it('/runsync of a short stream answers COMPLETED with output [], and its chunks stay readable on /stream', async () => {
    const res = await request(`${base}/runsync`, { body: { input: invocation(Tokens, 'tokens', ['sync', 2]) } });
    expect(res.body).toMatchObject({ status: 'COMPLETED', output: [] });
    expect((await readAll(res.body.id as string)).values).toEqual(['sync-1', 'sync-2']);
  });

  it('answers /stream with 404 for an unknown job, 400 for a malformed wait, and accepts POST as RunPod does', async () => {
    expect((await stream('no-such-job')).status).toBe(404);
    expect((await stream('no-such-job', '?wait=soon')).status).toBe(400);
    const id = await run('tokens', ['post', 1]);
    await eventually(async () => ((await request(`${base}/status/${id}`)).body.status === 'COMPLETED' ? true : undefined));
    const res = await request(`${base}/stream/${id}`, { method: 'POST' });
    expect(decoded(res.body)).toEqual(['post-1']);
  });
});

describe('serve() in http mode: close() with a stream running', () => {
  it('cancels running streams, whose readers could not reach a closing server: the generator\'s finally runs', async () => {
    const worker = await serve({ endpoints: [Tokens], apiKey: TEST_KEY, logger: new MemoryLogger() });
    const base = `${worker.url}/v2/http-stream`;
    const res = await request(`${base}/run`, { body: { input: invocation(Tokens, 'tokens', ['closing', STREAM_BUFFER_CHUNKS * 2]) } });
    await eventually(() => (seen.get('closing')?.produced === STREAM_BUFFER_CHUNKS ? true : undefined));
    await worker.close();
    expect(seen.get('closing')!.finallyRan).toBe(true);
    expect(res.body.id).toEqual(expect.any(String));
  });
});
