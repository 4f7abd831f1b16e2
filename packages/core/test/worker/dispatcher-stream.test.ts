import { Endpoint, Remote } from '@switchyard/decorators';
import { MemoryLogger } from '../../src/observability/logger';
import { currentCallContext, reportProgress } from '../../src/router/call-context';
import { createRuntime } from '../../src/router/runtime';
import type { Runtime } from '../../src/router/runtime-types';
import { defaultSerializer } from '../../src/serialization/serializer';
import { WIRE_VERSION, type WireChunk } from '../../src/serialization/wire';
import { Dispatcher } from '../../src/worker/dispatcher';
import type { JobContext, JobOutcome, WireProgress } from '../../src/worker/dispatcher-types';
import { gate, invocation, type Gate } from '../support/helpers';

/** What the streaming methods did, in order: the test reads the event order from here. */
const probe: { events: string[]; gate?: Gate; runs: number; deadlines: number[] } = { events: [], runs: 0, deadlines: [] };

@Endpoint({ name: 'dispatch-stream' })
class StreamJobs {
  /** Yields `n` numbers, logging each step, with a pause at the gate after the first one. */
  @Remote() async *count(n: number): AsyncGenerator<number> {
    probe.runs++;
    try {
      for (let i = 1; i <= n; i++) {
        probe.events.push(`yield ${i}`);
        yield i;
        probe.events.push(`resumed after ${i}`);
        if (i === 1 && probe.gate) await probe.gate.promise;
      }
    } finally {
      probe.events.push('finally');
    }
  }

  /** Yields twice, then throws. */
  @Remote() async *failsAfterTwo(): AsyncGenerator<string> {
    try {
      yield 'a';
      yield 'b';
      throw new RangeError('the third value is out of range');
    } finally {
      probe.events.push('finally');
    }
  }

  /** Yields once, then waits for its signal, as a method waiting on a model would. */
  @Remote() async *untilAborted(signal: AbortSignal): AsyncGenerator<string> {
    try {
      yield 'first';
      await new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    } finally {
      probe.events.push('finally');
    }
  }

  /** Reads its call context between values: the job's deadline, and its progress reporter. */
  @Remote() async *contextual(): AsyncGenerator<string> {
    probe.deadlines.push(currentCallContext()!.deadline!);
    await new Promise((resolve) => setImmediate(resolve));
    probe.deadlines.push(currentCallContext()!.deadline!);
    reportProgress('half way');
    yield 'x';
    await new Promise((resolve) => setImmediate(resolve));
    probe.deadlines.push(currentCallContext()!.deadline!);
    yield 'y';
  }

  @Remote() async *unencodable(): AsyncGenerator<unknown> {
    try {
      yield 'fine';
      yield { run: () => 'a function cannot travel' };
    } finally {
      probe.events.push('finally');
    }
  }

  @Remote({ idempotent: true }) async *again(): AsyncGenerator<number> {
    probe.runs++;
    yield probe.runs;
  }

  @Remote() async *rich(): AsyncGenerator<unknown> {
    yield new Date(Date.UTC(2031, 0, 2));
    yield new Map([['k', 1n]]);
    yield new Uint8Array([1, 2, 3]);
  }
}

/** Lets pending promise callbacks and I/O callbacks run, so a generator that could run on would have. */
async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('Dispatcher: streaming methods', () => {
  let runtime: Runtime;
  let dispatcher: Dispatcher;
  let logger: MemoryLogger;
  let chunks: WireChunk[];

  /** A context whose emit records each chunk and the event order, and resolves at once. */
  const context = (overrides: Partial<JobContext> = {}): JobContext => ({
    jobId: 'job-s',
    signal: new AbortController().signal,
    emit: async (chunk) => {
      chunks.push(chunk);
      probe.events.push(`emit ${chunks.length}`);
    },
    ...overrides,
  });
  const values = (): unknown[] => chunks.map((c) => defaultSerializer.decode(c.chunk));
  const failureOf = (outcome: JobOutcome) => {
    expect(outcome.status).toBe('FAILED');
    return outcome as Extract<JobOutcome, { status: 'FAILED' }>;
  };

  beforeEach(() => {
    probe.events = [];
    probe.gate = undefined;
    probe.runs = 0;
    probe.deadlines = [];
    chunks = [];
    logger = new MemoryLogger();
    runtime = createRuntime({ endpoint: 'dispatch-stream', env: {}, logger });
    dispatcher = new Dispatcher({ runtime, endpoints: [StreamJobs] });
  });

  afterEach(() => runtime.close());

  it('encodes each yielded value as {"sy": 1, "chunk": <superjson>} and ends COMPLETED with the number of chunks', async () => {
    const outcome = await dispatcher.dispatch(invocation(StreamJobs, 'count', [3]), context());
    expect(outcome).toEqual({ status: 'COMPLETED', chunks: 3 });
    expect(chunks).toEqual([1, 2, 3].map((n) => ({ sy: WIRE_VERSION, chunk: defaultSerializer.encode(n) })));
    expect(probe.events).toEqual(['yield 1', 'emit 1', 'resumed after 1', 'yield 2', 'emit 2', 'resumed after 2', 'yield 3', 'emit 3', 'resumed after 3', 'finally']);
    expect(logger.records.find((r) => r.message === 'ran dispatch-stream.count')?.fields).toMatchObject({ chunks: 3, jobId: 'job-s' });
  });

  it('keeps values the serializer carries: Date, Map with BigInt, binary', async () => {
    await dispatcher.dispatch(invocation(StreamJobs, 'rich', []), context());
    expect(values()).toEqual([new Date(Date.UTC(2031, 0, 2)), new Map([['k', 1n]]), new Uint8Array([1, 2, 3])]);
  });

  it('hands a chunk to the transport before the method has finished', async () => {
    probe.gate = gate();
    const first = gate<WireChunk>();
    let ended = false;
    const running = dispatcher.dispatch(invocation(StreamJobs, 'count', [2]), context({ emit: async (chunk) => first.open(chunk) }));
    void running.then(() => (ended = true));
    // The first chunk arrives, and the generator then waits at the gate: the method has not ended.
    const chunk = await first.promise;
    expect(defaultSerializer.decode(chunk.chunk)).toBe(1);
    await settle();
    expect(probe.events).toEqual(['yield 1', 'resumed after 1']);
    expect(ended).toBe(false);
    probe.gate.open();
    expect(await running).toEqual({ status: 'COMPLETED', chunks: 2 });
    expect(probe.events.at(-1)).toBe('finally');
  });

  it('does not resume the generator until emit resolves (backpressure)', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = dispatcher.dispatch(
      invocation(StreamJobs, 'count', [2]),
      context({
        emit: async (chunk) => {
          chunks.push(chunk);
          if (chunks.length === 1) await held;
        },
      }),
    );
    await settle();
    expect(chunks).toHaveLength(1);
    expect(probe.events).toEqual(['yield 1']);
    release();
    expect(await running).toEqual({ status: 'COMPLETED', chunks: 2 });
    expect(probe.events).toEqual(['yield 1', 'resumed after 1', 'yield 2', 'resumed after 2', 'finally']);
  });

  it('closes the generator when its job is cancelled while the transport holds a chunk: finally runs, FAILED after 1 chunk', async () => {
    const cancel = new AbortController();
    const running = dispatcher.dispatch(
      invocation(StreamJobs, 'count', [5]),
      context({
        signal: cancel.signal,
        emit: (chunk) => {
          chunks.push(chunk);
          return new Promise<void>(() => undefined); // a reader that never takes more
        },
      }),
    );
    await settle();
    cancel.abort();
    const outcome = failureOf(await running);
    expect(outcome).toMatchObject({ chunks: 0, failure: { name: 'AbortError' } });
    expect(probe.events).toEqual(['yield 1', 'finally']);
    expect(logger.records.some((r) => r.level === 'info' && /stream of dispatch-stream\.count ended early after 0 chunk\(s\)/.test(r.message))).toBe(true);
    expect(logger.records.some((r) => r.level === 'warn')).toBe(false);
  });

  it('closes the generator when its job is cancelled while the method waits between values (its signal fires)', async () => {
    const cancel = new AbortController();
    const emitted = gate();
    const running = dispatcher.dispatch(
      invocation(StreamJobs, 'untilAborted', []),
      context({
        signal: cancel.signal,
        emit: async (chunk) => {
          chunks.push(chunk);
          emitted.open();
        },
      }),
    );
    await emitted.promise;
    cancel.abort();
    expect(failureOf(await running)).toMatchObject({ chunks: 1 });
    expect(values()).toEqual(['first']);
    expect(probe.events).toEqual(['finally']);
  });

  it('ends FAILED with the thrown error after the chunks already sent', async () => {
    const outcome = failureOf(await dispatcher.dispatch(invocation(StreamJobs, 'failsAfterTwo', []), context()));
    expect(values()).toEqual(['a', 'b']);
    expect(outcome).toMatchObject({ chunks: 2, httpStatus: 500, failure: { name: 'RangeError', message: 'the third value is out of range', endpoint: 'dispatch-stream', method: 'failsAfterTwo' } });
    expect(probe.events).toEqual(['emit 1', 'emit 2', 'finally']);
  });

  it('ends FAILED with SerializationError when a value cannot be encoded, and closes the generator', async () => {
    const outcome = failureOf(await dispatcher.dispatch(invocation(StreamJobs, 'unencodable', []), context()));
    expect(values()).toEqual(['fine']);
    expect(outcome.failure).toMatchObject({ name: 'SerializationError' });
    expect(outcome.failure.message).toContain('chunk 2 of dispatch-stream.unencodable');
    expect(probe.events).toEqual(['emit 1', 'finally']);
  });

  it('ends FAILED with DeadlineExceededError when the call deadline passes mid-stream, closing the generator', async () => {
    probe.gate = gate();
    const running = dispatcher.dispatch(invocation(StreamJobs, 'count', [3], { deadline: Date.now() + 300 }), context());
    // The generator holds at the gate after its first value; the deadline passes meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 400));
    probe.gate.open();
    const outcome = failureOf(await running);
    expect(outcome.failure.name).toBe('DeadlineExceededError');
    expect(outcome.chunks).toBe(1);
    expect(probe.events).toEqual(['yield 1', 'emit 1', 'resumed after 1', 'yield 2', 'finally']);
  });

  it('runs every step of the generator in the job\'s call context (deadline, progress)', async () => {
    const updates: WireProgress[] = [];
    const call = invocation(StreamJobs, 'contextual', []);
    const outcome = await dispatcher.dispatch(call, context({ progress: (u) => updates.push(u) }));
    expect(outcome).toEqual({ status: 'COMPLETED', chunks: 2 });
    expect(probe.deadlines).toEqual([call.deadline, call.deadline, call.deadline]);
    expect(updates.map((u) => defaultSerializer.decode(u.progress))).toEqual(['half way']);
  });

  it('fails a streaming call with ConfigurationError when the transport has no stream channel, without running it', async () => {
    const outcome = failureOf(await dispatcher.dispatch(invocation(StreamJobs, 'count', [2]), context({ emit: undefined })));
    expect(outcome.failure).toMatchObject({ name: 'ConfigurationError' });
    expect(outcome.failure.message).toContain('dispatch-stream.count is a streaming method, but this worker\'s transport has no channel for its chunks');
    expect(outcome.chunks).toBe(0);
    expect(probe.runs).toBe(0);
  });

  it('checks arguments as for any call: too many is InvalidRequestError (400) and nothing runs', async () => {
    const outcome = failureOf(await dispatcher.dispatch(invocation(StreamJobs, 'count', [1, 2]), context()));
    expect(outcome).toMatchObject({ httpStatus: 400, failure: { name: 'InvalidRequestError' } });
    expect(probe.runs).toBe(0);
  });

  it('refuses a repeated callId of a non-idempotent streaming method (409): a stream is not replayed', async () => {
    const call = invocation(StreamJobs, 'count', [1]);
    expect(await dispatcher.dispatch(call, context())).toEqual({ status: 'COMPLETED', chunks: 1 });
    const again = failureOf(await dispatcher.dispatch(call, context()));
    expect(again).toMatchObject({ httpStatus: 409, chunks: 0, failure: { name: 'InvalidRequestError' } });
    expect(again.failure.message).toContain(`call ${call.callId} of dispatch-stream.count was streamed already, and a stream is not replayed`);
    expect(probe.runs).toBe(1);
  });

  it('refuses a duplicate that arrives while the first job still streams', async () => {
    probe.gate = gate();
    const call = invocation(StreamJobs, 'count', [2]);
    const first = dispatcher.dispatch(call, context());
    const duplicate = failureOf(await dispatcher.dispatch(call, context()));
    expect(duplicate.httpStatus).toBe(409);
    probe.gate.open();
    expect(await first).toEqual({ status: 'COMPLETED', chunks: 2 });
    expect(probe.runs).toBe(1);
  });

  it('runs a cancelled stream again for the same callId: it has no outcome worth keeping', async () => {
    const call = invocation(StreamJobs, 'count', [1]);
    const cancelled = new AbortController();
    cancelled.abort();
    failureOf(await dispatcher.dispatch(call, context({ signal: cancelled.signal })));
    expect(await dispatcher.dispatch(call, context())).toEqual({ status: 'COMPLETED', chunks: 1 });
  });

  it('runs an idempotent streaming method again for a repeated callId', async () => {
    const call = invocation(StreamJobs, 'again', []);
    await dispatcher.dispatch(call, context());
    await dispatcher.dispatch(call, context());
    expect(values()).toEqual([1, 2]);
  });
});
