import { Endpoint, Remote } from '@switchyard/decorators';
import { SerializationError } from '../../src/errors';
import { MemoryLogger } from '../../src/observability/logger';
import { reportProgress, withCallContext } from '../../src/router/call-context';
import { createRuntime } from '../../src/router/runtime';
import type { Runtime } from '../../src/router/runtime-types';
import { defaultSerializer } from '../../src/serialization/serializer';
import { WIRE_VERSION } from '../../src/serialization/wire';
import { Dispatcher } from '../../src/worker/dispatcher';
import type { JobContext, WireProgress } from '../../src/worker/dispatcher-types';
import { gate, invocation, type Gate } from '../support/helpers';

const later: { report?: () => void; gate?: Gate<void>; runs: number; threw?: unknown } = { runs: 0 };

@Endpoint({ name: 'dispatch-progress' })
class ProgressJobs {
  @Remote() async steps(n: number): Promise<string> {
    for (let i = 1; i <= n; i++) reportProgress({ step: i, of: n, at: new Date(Date.UTC(2031, 0, i)) });
    return 'done';
  }

  /** Reports from inside a scope of its own, as a method that scopes a deadline over a step would. */
  @Remote() async scoped(): Promise<string> {
    await withCallContext({ deadline: Date.now() + 5_000 }, async () => reportProgress('inside a nested scope'));
    return 'scoped';
  }

  /** Leaves a reporter behind that fires after the method returned. */
  @Remote() async leavesReporterBehind(): Promise<string> {
    reportProgress('while running');
    later.report = () => reportProgress('after it returned');
    return 'returned';
  }

  @Remote() async unencodable(): Promise<string> {
    try {
      reportProgress({
        get broken(): never {
          throw new Error('this getter cannot be read');
        },
      });
    } catch (error) {
      later.threw = error;
    }
    return 'went on';
  }

  /** Counts its runs and holds until the test opens the gate or the job is aborted. */
  @Remote() async counted(signal: AbortSignal): Promise<number> {
    later.runs++;
    await new Promise<void>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      void later.gate!.promise.then(resolve);
    });
    return later.runs;
  }
}

describe('Dispatcher: progress (reportProgress)', () => {
  let runtime: Runtime;
  let dispatcher: Dispatcher;
  let updates: WireProgress[];

  const context = (overrides: Partial<JobContext> = {}): JobContext => ({
    jobId: 'job-p',
    signal: new AbortController().signal,
    progress: (update) => updates.push(update),
    ...overrides,
  });

  beforeEach(() => {
    runtime = createRuntime({ endpoint: 'dispatch-progress', env: {}, logger: new MemoryLogger() });
    dispatcher = new Dispatcher({ runtime, endpoints: [ProgressJobs] });
    updates = [];
    later.runs = 0;
    later.threw = undefined;
    later.gate = gate();
  });

  afterEach(() => runtime.close());

  it('hands each update to JobContext.progress as {"sy": 1, "progress": <superjson encoding>}, Dates and all', async () => {
    const outcome = await dispatcher.dispatch(invocation(ProgressJobs, 'steps', [2]), context());
    expect(outcome.status).toBe('COMPLETED');
    expect(updates.map((u) => Object.keys(u).sort())).toEqual([
      ['progress', 'sy'],
      ['progress', 'sy'],
    ]);
    expect(updates.every((u) => u.sy === WIRE_VERSION)).toBe(true);
    expect(updates.map((u) => defaultSerializer.decode(u.progress))).toEqual([
      { step: 1, of: 2, at: new Date(Date.UTC(2031, 0, 1)) },
      { step: 2, of: 2, at: new Date(Date.UTC(2031, 0, 2)) },
    ]);
  });

  it('reports from nested call-context scopes inside the method too', async () => {
    await dispatcher.dispatch(invocation(ProgressJobs, 'scoped', []), context());
    expect(updates.map((u) => defaultSerializer.decode(u.progress))).toEqual(['inside a nested scope']);
  });

  it('reports nothing once the method has returned', async () => {
    await dispatcher.dispatch(invocation(ProgressJobs, 'leavesReporterBehind', []), context());
    later.report!();
    expect(updates.map((u) => defaultSerializer.decode(u.progress))).toEqual(['while running']);
  });

  it('does nothing when the transport has no progress channel, or outside any job', async () => {
    const outcome = await dispatcher.dispatch(invocation(ProgressJobs, 'steps', [3]), context({ progress: undefined }));
    expect(outcome.status).toBe('COMPLETED');
    expect(() => reportProgress({ outside: true })).not.toThrow();
    expect(updates).toEqual([]);
  });

  it('throws SerializationError to the method for an update that cannot be encoded, and sends nothing', async () => {
    const outcome = await dispatcher.dispatch(invocation(ProgressJobs, 'unencodable', []), context());
    expect(outcome.status).toBe('COMPLETED');
    expect(later.threw).toBeInstanceOf(SerializationError);
    expect((later.threw as Error).message).toMatch(/^progress of dispatch-progress\.unencodable cannot be serialized/);
    expect(updates).toEqual([]);
  });

  it('runs a resubmitted callId again when its first job was aborted by its transport (that outcome is not replayed)', async () => {
    const call = invocation(ProgressJobs, 'counted', []);
    const cancel = new AbortController();
    const first = dispatcher.dispatch(call, context({ signal: cancel.signal }));
    cancel.abort(new Error('cancelled by the caller'));
    expect((await first).status).toBe('FAILED');
    const second = dispatcher.dispatch(call, context());
    later.gate!.open();
    const outcome = await second;
    expect(outcome.status).toBe('COMPLETED');
    expect(later.runs).toBe(2);
    // A call that completed is still run once.
    expect((await dispatcher.dispatch(call, context())).status).toBe('COMPLETED');
    expect(later.runs).toBe(2);
  });
});
